#pragma once
// ProcessSource over a procfs mount. The root is a parameter: "/proc" in the agent and the inspection
// tool, a recorded tree (tests/fixtures/proc) in unit tests.

#include <string>

#include "drivers/include/ProcessSource.h"

namespace mamori::drivers::linux_os {

class ProcFs final : public ProcessSource {
 public:
  explicit ProcFs(std::string procRoot = "/proc") : root_(std::move(procRoot)) {}

  common::Result<ProcessInfo> read(pid_t pid) const override;
  common::Result<ProcessInfo> brief(pid_t pid) const override;
  std::vector<ProcessInfo> snapshot() const override;
  std::vector<pid_t> pids() const override;
  common::Result<pid_t> parent(pid_t pid) const override;
  std::vector<pid_t> children(pid_t pid) const override;
  common::Result<std::uint64_t> pidNamespace(pid_t pid) const override;
  common::Result<std::string> cgroup(pid_t pid) const override;
  common::Result<std::string> workingDirectory(pid_t pid) const override;
  common::Result<std::string> environmentVariable(pid_t pid, std::string_view name) const override;

  // "<root>/<pid>/exe": open it to read (or hash) the very file that runs, even when it was renamed
  // or deleted after the exec.
  std::string exeLink(pid_t pid) const;
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// Now in the units of ProcessInfo::startTime (clock ticks since boot, CLOCK_BOOTTIME).
std::uint64_t ticksSinceBoot();
// CLOCK_MONOTONIC in nanoseconds: the clock of the proc connector's event timestamps.
std::uint64_t monotonicNs();

// The name of a user id from the passwd database, or the number as text.
std::string userName(uid_t uid);

}  // namespace mamori::drivers::linux_os
