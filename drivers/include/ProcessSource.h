#pragma once
// Reading running processes. The Linux implementation reads /proc (drivers/linux/ProcFs); the tests
// point it at a recorded tree (tests/fixtures/proc).

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/Result.h"
#include "drivers/include/Process.h"

namespace mamori::drivers {

class ProcessSource {
 public:
  virtual ~ProcessSource() = default;
  // One process. An error when it is gone (or never was) or its stat cannot be read; facts that need
  // more privilege than we have (another user's exe link) are left empty instead.
  virtual common::Result<ProcessInfo> read(pid_t pid) const = 0;
  // What one small file says (Linux: /proc/PID/stat): pid, ppid, comm, start time, kernel thread and
  // virtualBytes; the rest left empty.
  virtual common::Result<ProcessInfo> brief(pid_t pid) const = 0;
  // Every process that can be read, in ascending pid order; processes that end while the list is
  // being made are left out.
  virtual std::vector<ProcessInfo> snapshot() const = 0;
  // Every pid, ascending (cheap: no per-process files read).
  virtual std::vector<pid_t> pids() const = 0;
  // The parent pid, reading as little as possible (the scope walks ancestors on every exec).
  virtual common::Result<pid_t> parent(pid_t pid) const = 0;
  // Direct children (Linux: /proc/PID/task/*/children, no scan of every process).
  virtual std::vector<pid_t> children(pid_t pid) const = 0;
  // Identity of the pid namespace the process lives in (the inode of /proc/PID/ns/pid).
  virtual common::Result<std::uint64_t> pidNamespace(pid_t pid) const = 0;
  // The process's cgroup v2 path ("/system.slice/x.service"), from the "0::" line of /proc/PID/cgroup.
  virtual common::Result<std::string> cgroup(pid_t pid) const = 0;
  // What the process's relative names are relative to (Linux: readlink /proc/PID/cwd) and one of
  // its environment variables (/proc/PID/environ): a Wine loader names its Windows program
  // relative to both (the working directory, WINEPREFIX's drive links). Errors when gone or denied.
  virtual common::Result<std::string> workingDirectory(pid_t pid) const = 0;
  virtual common::Result<std::string> environmentVariable(pid_t pid, std::string_view name) const = 0;
};

}  // namespace mamori::drivers
