#pragma once
// ProcessControl through pidfds (Linux 5.3+): the pidfd is opened first, then the start time is
// checked, then the signal goes through the pidfd. A pid that was reused after the pidfd was opened
// cannot be hit: the pidfd still names the old (then dead) process.

#include <string>

#include "drivers/include/ProcessControl.h"

namespace mamori::drivers::linux_os {

class PidfdProcessControl final : public ProcessControl {
 public:
  explicit PidfdProcessControl(std::string procRoot = "/proc") : root_(std::move(procRoot)) {}
  common::Status kill(pid_t pid, std::uint64_t startTime) override;

 private:
  std::string root_;
};

}  // namespace mamori::drivers::linux_os
