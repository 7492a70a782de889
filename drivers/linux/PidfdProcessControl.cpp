#include "drivers/linux/PidfdProcessControl.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <sys/syscall.h>

#include "common/Files.h"
#include "common/UniqueFd.h"
#include "drivers/linux/ProcParsers.h"

namespace mamori::drivers::linux_os {

common::Status PidfdProcessControl::kill(pid_t pid, std::uint64_t startTime) {
  const std::string where = "pid " + std::to_string(pid);
  const common::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return common::makeError("cannot open a pidfd", where, errno);
  auto text = common::readSmallFile(root_ + "/" + std::to_string(pid) + "/stat");
  if (!text) return text.error();
  auto stat = parseProcStat(text.value());
  if (!stat) return stat.error();
  if (stat.value().startTime != startTime) return common::makeError("the pid now belongs to another process", where);
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) != 0) {
    return common::makeError("cannot kill", where, errno);
  }
  return common::Ok{};
}

}  // namespace mamori::drivers::linux_os
