#pragma once
// Process starts (exec) and ends as the kernel announces them. Linux: the netlink proc connector
// (drivers/linux/ProcConnector). A subscription can lose events (socket overrun) or go silent; the
// consumer therefore also rescans /proc and the source says when it knows it lost something.

#include <sys/types.h>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct ProcessEvent {
  enum class Kind { kFork, kExec, kExit };  // kFork: a new process (not a thread)
  Kind kind = Kind::kExec;
  pid_t pid = 0;                  // the thread group (process) id
  std::uint64_t timestampNs = 0;  // kernel monotonic time of the event (0 when unknown)
};

struct ProcessEventBatch {
  std::vector<ProcessEvent> events;
  bool overrun = false;  // the kernel dropped events (ENOBUFS): a rescan must fill the gap
};

class ProcessEventSource {
 public:
  virtual ~ProcessEventSource() = default;
  // A descriptor that becomes readable when events wait (for QSocketNotifier/poll).
  virtual int fd() const = 0;
  // Everything that is waiting, without blocking.
  virtual common::Result<ProcessEventBatch> drain() = 0;
};

}  // namespace mamori::drivers
