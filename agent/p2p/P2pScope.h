#pragma once
// Which processes the P2P guard may look at, kill or refuse to start. Every test confines the agent
// with it (the agent kills processes); on an employee PC it is "all". Given as --p2p-scope:
//   all                          every process except the agent itself and kernel threads
//   pidns:PID | pidns:/proc/PID/ns/pid   processes in the pid namespace PID lives in
//   cgroup:/PATH                 processes whose cgroup v2 path is PATH or below it
//   subtree:PID                  PID and its descendants (PID must be running when the agent starts)

#include <cstdint>
#include <string>
#include <sys/types.h>

#include "common/Result.h"
#include "drivers/include/ProcessSource.h"

namespace mamori::agent::p2p {

class P2pScope {
 public:
  enum class Kind { kAll, kPidNamespace, kCgroup, kSubtree };

  // Parses and resolves the spec against the running system (the namespace's identity, the subtree
  // root's start time). A clear error names what is wrong.
  static common::Result<P2pScope> resolve(const std::string& spec, const drivers::ProcessSource& processes);
  static P2pScope all() { return P2pScope(); }

  // True when pid is inside. Unknown (the process is gone, /proc unreadable) is outside: the guard
  // never acts on what it cannot place.
  bool contains(pid_t pid, const drivers::ProcessSource& processes) const;

  Kind kind() const { return kind_; }
  const std::string& spec() const { return spec_; }

 private:
  Kind kind_ = Kind::kAll;
  std::string spec_ = "all";
  std::uint64_t namespaceId_ = 0;
  std::string cgroup_;
  pid_t root_ = 0;
  std::uint64_t rootStart_ = 0;
};

}  // namespace mamori::agent::p2p
