#include "scan/ThreadPriority.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <sys/syscall.h>

namespace mamori::scan {

namespace {
// From linux/ioprio.h, which glibc does not wrap.
constexpr int kIoprioWhoProcess = 1;  // with id 0: the calling thread
constexpr int kIoprioClassIdle = 3;
constexpr int kIoprioClassShift = 13;
}  // namespace

common::Status makeCurrentThreadIdle() {
  if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << kIoprioClassShift) != 0) {
    return common::makeError("cannot set the idle I/O class", "ioprio_set", errno);
  }
  sched_param param{};
  param.sched_priority = 0;
  if (const int rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &param); rc != 0) {
    return common::makeError("cannot set the SCHED_IDLE policy", "pthread_setschedparam", rc);
  }
  return common::Ok{};
}

}  // namespace mamori::scan
