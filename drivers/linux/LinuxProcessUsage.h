#pragma once
// ProcessUsageSource over procfs: <procRoot>/self/task/*/stat and <procRoot>/self/status.
// procRoot is a parameter so tests read a recorded tree. Freed memory goes back through glibc's
// malloc_trim (which also releases free pages inside the heap, not only at its top).

#include <string>

#include "drivers/include/ProcessUsage.h"

namespace mamori::drivers::linux_os {

class LinuxProcessUsage : public ProcessUsageSource {
 public:
  explicit LinuxProcessUsage(std::string procRoot = "/proc", std::string self = "self");
  common::Result<ProcessUsage> sample() override;
  std::size_t releaseFreedMemory() override;

 private:
  std::string base_;
  long ticksPerSecond_;
  std::size_t trimmedFree_ = 0;  // the allocator's free bytes after the last trim
};

}  // namespace mamori::drivers::linux_os
