#pragma once
// Stopping a process. (pid, start time) names the process: a pid reused since the facts were read
// has another start time, and the implementation refuses to signal it.

#include <cstdint>
#include <sys/types.h>

#include "common/Result.h"

namespace mamori::drivers {

class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  // SIGKILL to the process if it still is the one that started at startTime. An error when it is
  // gone, was replaced, or may not be signalled.
  virtual common::Status kill(pid_t pid, std::uint64_t startTime) = 0;
};

}  // namespace mamori::drivers
