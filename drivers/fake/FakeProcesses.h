#pragma once
// In-memory processes for unit tests of what consumes ProcessSource / ProcessControl / events.

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "drivers/include/ProcessControl.h"
#include "drivers/include/ProcessEvents.h"
#include "drivers/include/ProcessSource.h"

namespace mamori::drivers::fake {

class FakeProcesses final : public ProcessSource, public ProcessControl {
 public:
  struct Entry {
    ProcessInfo info;
    std::uint64_t pidNamespace = 1;
    std::string cgroup = "/";
    std::string cwd = "/";
    std::map<std::string, std::string, std::less<>> environment{};
  };

  void add(ProcessInfo info, std::uint64_t pidNamespace = 1, std::string cgroup = "/") {
    const pid_t pid = info.pid;
    entries_[pid] = Entry{std::move(info), pidNamespace, std::move(cgroup)};
  }
  void remove(pid_t pid) { entries_.erase(pid); }
  // Where a process runs and what its environment says (a Wine loader's program is named relative to them).
  void setContext(pid_t pid, std::string cwd, std::map<std::string, std::string, std::less<>> environment) {
    entries_.at(pid).cwd = std::move(cwd);
    entries_.at(pid).environment = std::move(environment);
  }
  bool running(pid_t pid) const { return entries_.contains(pid); }
  const std::vector<std::pair<pid_t, std::uint64_t>>& kills() const { return kills_; }
  std::size_t reads() const { return reads_; }  // how many times read() was asked (a whole /proc/PID on Linux)

  common::Result<ProcessInfo> read(pid_t pid) const override {
    ++reads_;
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    return it->second.info;
  }
  common::Result<ProcessInfo> brief(pid_t pid) const override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    return it->second.info;
  }
  std::vector<ProcessInfo> snapshot() const override {
    std::vector<ProcessInfo> out;
    for (const auto& [pid, entry] : entries_) out.push_back(entry.info);
    return out;
  }
  std::vector<pid_t> pids() const override {
    std::vector<pid_t> out;
    for (const auto& [pid, entry] : entries_) out.push_back(pid);
    return out;
  }
  common::Result<pid_t> parent(pid_t pid) const override {
    auto info = read(pid);
    if (!info) return info.error();
    return info.value().ppid;
  }
  std::vector<pid_t> children(pid_t pid) const override {
    std::vector<pid_t> out;
    for (const auto& [child, entry] : entries_) {
      if (entry.info.ppid == pid) out.push_back(child);
    }
    return out;
  }
  common::Result<std::uint64_t> pidNamespace(pid_t pid) const override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    return it->second.pidNamespace;
  }
  common::Result<std::string> cgroup(pid_t pid) const override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    return it->second.cgroup;
  }

  common::Result<std::string> workingDirectory(pid_t pid) const override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    return it->second.cwd;
  }
  common::Result<std::string> environmentVariable(pid_t pid, std::string_view name) const override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    const auto value = it->second.environment.find(name);
    if (value == it->second.environment.end())
      return common::makeError(common::ErrorKind::kNotFound, "no such variable");
    return value->second;
  }

  // Kills only when the start time matches, like the pidfd implementation.
  common::Status kill(pid_t pid, std::uint64_t startTime) override {
    const auto it = entries_.find(pid);
    if (it == entries_.end()) return common::makeError("no such process", std::to_string(pid));
    if (it->second.info.startTime != startTime) return common::makeError("the pid now belongs to another process");
    kills_.emplace_back(pid, startTime);
    entries_.erase(it);
    return common::Ok{};
  }

 private:
  mutable std::size_t reads_ = 0;
  std::map<pid_t, Entry> entries_;
  std::vector<std::pair<pid_t, std::uint64_t>> kills_;
};

}  // namespace mamori::drivers::fake
