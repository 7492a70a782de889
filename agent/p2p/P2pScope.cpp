#include "agent/p2p/P2pScope.h"

#include <charconv>

namespace mamori::agent::p2p {

namespace {

bool parsePid(std::string_view text, pid_t& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out > 0;
}

// "PID" or "/proc/PID/ns/pid".
bool pidOfNamespaceSpec(std::string_view text, pid_t& out) {
  constexpr std::string_view kPrefix = "/proc/";
  constexpr std::string_view kSuffix = "/ns/pid";
  if (text.starts_with(kPrefix) && text.ends_with(kSuffix) && text.size() > kPrefix.size() + kSuffix.size()) {
    text = text.substr(kPrefix.size(), text.size() - kPrefix.size() - kSuffix.size());
  }
  return parsePid(text, out);
}

}  // namespace

common::Result<P2pScope> P2pScope::resolve(const std::string& spec, const drivers::ProcessSource& processes) {
  P2pScope scope;
  scope.spec_ = spec;
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string value = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (spec == "all") return scope;
  if (kind == "pidns") {
    pid_t pid = 0;
    if (!pidOfNamespaceSpec(value, pid)) {
      return common::makeError("expected pidns:PID or pidns:/proc/PID/ns/pid", "--p2p-scope " + spec);
    }
    auto ns = processes.pidNamespace(pid);
    if (!ns) return common::makeError("cannot read the pid namespace: " + ns.error().describe(), "--p2p-scope " + spec);
    scope.kind_ = Kind::kPidNamespace;
    scope.namespaceId_ = ns.value();
    return scope;
  }
  if (kind == "cgroup") {
    if (value.empty() || value[0] != '/') {
      return common::makeError("expected cgroup:/PATH (a cgroup v2 path as /proc/PID/cgroup shows it)",
                               "--p2p-scope " + spec);
    }
    scope.kind_ = Kind::kCgroup;
    scope.cgroup_ = value.size() > 1 && value.back() == '/' ? value.substr(0, value.size() - 1) : value;
    return scope;
  }
  if (kind == "subtree") {
    pid_t pid = 0;
    if (!parsePid(value, pid)) return common::makeError("expected subtree:PID", "--p2p-scope " + spec);
    auto root = processes.read(pid);
    if (!root) return common::makeError("the subtree's root is not running", "--p2p-scope " + spec);
    scope.kind_ = Kind::kSubtree;
    scope.root_ = pid;
    scope.rootStart_ = root.value().startTime;
    return scope;
  }
  return common::makeError("unknown scope (all, pidns:PID, cgroup:/PATH or subtree:PID)", "--p2p-scope " + spec);
}

bool P2pScope::contains(pid_t pid, const drivers::ProcessSource& processes) const {
  switch (kind_) {
    case Kind::kAll: return true;
    case Kind::kPidNamespace: {
      auto ns = processes.pidNamespace(pid);
      return ns && ns.value() == namespaceId_;
    }
    case Kind::kCgroup: {
      auto path = processes.cgroup(pid);
      if (!path) return false;
      const std::string& cgroup = path.value();
      return cgroup == cgroup_ || cgroup_ == "/" ||
             (cgroup.size() > cgroup_.size() && cgroup.starts_with(cgroup_) && cgroup[cgroup_.size()] == '/');
    }
    case Kind::kSubtree: {
      // Walk up the parents. Bounded: pid 1 has parent 0, and a cycle cannot exist, but a racing
      // exit can make a chain unreadable; then the answer is "outside".
      pid_t current = pid;
      for (int depth = 0; depth < 4096 && current > 0; ++depth) {
        if (current == root_) {
          auto root = processes.read(root_);  // the root pid could have been reused
          return root && root.value().startTime == rootStart_;
        }
        auto parent = processes.parent(current);
        if (!parent) return false;
        current = parent.value();
      }
      return false;
    }
  }
  return false;
}

}  // namespace mamori::agent::p2p
