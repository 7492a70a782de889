#pragma once
// ProcessUsageSource over procfs: <procRoot>/self/task/*/stat and <procRoot>/self/status.
// procRoot is a parameter so tests read a recorded tree.

#include <string>

#include "drivers/include/ProcessUsage.h"

namespace mamori::drivers::linux_os {

class LinuxProcessUsage : public ProcessUsageSource {
 public:
  explicit LinuxProcessUsage(std::string procRoot = "/proc", std::string self = "self");
  common::Result<ProcessUsage> sample() override;

 private:
  std::string base_;
  long ticksPerSecond_;
};

}  // namespace mamori::drivers::linux_os
