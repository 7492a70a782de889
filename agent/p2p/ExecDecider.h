#pragma once
// The exec guard's decisions (deny_exec): called on the fanotify thread for every execution the kernel
// holds, so it is thread-safe, quick and never blocks the exec for long: only what the file itself
// says (its name, SHA-256 and the YARA rules over it; libraries are not mapped yet) decides, verdicts
// are cached by device, inode, mtime and path, and anything out of scope is allowed at once.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <tuple>

#include "agent/p2p/P2pScope.h"
#include "agent/p2p/ProcessInspector.h"
#include "drivers/include/FileHasher.h"
#include "drivers/include/ProcessSource.h"
#include "policy/P2pMatcher.h"

namespace mamori::agent::p2p {

class ExecDecider {
 public:
  ExecDecider(const drivers::ProcessSource& processes, P2pScope scope, drivers::FileHasher& hashes)
      : processes_(processes), scope_(std::move(scope)), hashes_(hashes) {}

  // New policy: a new matcher and rule scanners; cached verdicts are dropped.
  void apply(const policy::P2pGuardSettings& settings);

  struct Decision {
    bool allow = true;
    policy::P2pVerdict verdict;  // evidence when denied
    policy::ProcessFacts facts;  // what was known about the file
    // Allowed for what the file alone is, in scope: the same file would be allowed for anyone, so
    // the exec guard may have the kernel stop asking about it until it changes or the policy does.
    // A copy or a new build is another inode and is asked about; a hard link under a name a set
    // knows is not (the kill after the exec still judges the name).
    bool byFileAlone = false;
  };
  // fd: the file about to run; path: its name. Thread-safe.
  Decision decide(pid_t pid, int fd, const std::string& path);

 private:
  struct State {
    std::unique_ptr<policy::P2pMatcher> matcher;
    std::unique_ptr<ProcessInspector> inspector;  // used under mutex_ only
    bool deny = false;
  };
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::int64_t, std::string>;
  // The steps after the name over the file at fd (the executable, or the Wine program when
  // facts.wineProgram): SHA-256, the libraries an ELF file needs, YARA and the version resource.
  void judge(drivers::ProcessInfo& info, int fd, const std::string& path, Decision& decision);
  Decision& remember(const Key& key, const Decision& decision);
  // A Wine loader about to run again for a Wine process whose argv names program.
  Decision decideWine(const drivers::ProcessInfo& caller, const std::string& loader, const std::string& program);

  const drivers::ProcessSource& processes_;
  P2pScope scope_;
  drivers::FileHasher& hashes_;
  std::mutex mutex_;  // one decision at a time (the fanotify thread is the only caller in practice)
  std::shared_ptr<State> state_;
  std::map<Key, Decision> cache_;
};

}  // namespace mamori::agent::p2p
