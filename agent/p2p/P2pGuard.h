#pragma once
// The P2P guard's decisions and actions, without Qt or threads so the unit tests drive it with
// recorded or fake processes. P2pGuardCapability feeds it kernel events, timers and rescans.
//
// For each process in scope: read its facts, ask the matcher in steps of rising cost (names and
// scripts, then hashes, then YARA) and act at the first step that matches, so a known client dies
// before it has read its configuration. Libraries are loaded after the exec, so a process that was
// clean at exec is looked at again (recheck) and at every rescan while its mappings change.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <unordered_set>

#include "agent/core/EventSink.h"
#include "agent/p2p/P2pScope.h"
#include "agent/p2p/ProcessInspector.h"
#include "agent/p2p/StopLedger.h"
#include "common/Event.h"
#include "drivers/include/ProcessControl.h"
#include "drivers/include/ProcessEvents.h"
#include "drivers/include/ProcessSource.h"
#include "policy/P2pMatcher.h"

namespace mamori::agent::p2p {

// Network evidence for one process (from the flow classifier), reported beside the signatures'.
struct NetworkEvidence {
  std::string protocol;  // "bittorrent", "bittorrent-dht", "bittorrent-tracker", "ed2k", "winny"
  std::string detail;    // what was seen ("handshake info_hash 1a2b...", "KRPC get_peers" ...)
  std::string flow;      // "tcp 127.0.0.1:40000 -> 127.0.0.1:51413"
  // How the sender was found: "by the flow's socket", or, when that had closed, "by its listening
  // port 6881 (named in its tracker announce)".
  std::string attribution = {};
  // The sender's start time when its socket was found (clock ticks since boot; 0 = unknown): the
  // evidence is acted on later, on the main thread, and must not hit a process that reused the pid.
  std::uint64_t senderStartTime = 0;
};

class P2pGuard {
 public:
  using MonotonicNs = std::function<std::uint64_t()>;

  enum class Trigger { kExec, kRecheck, kRescan, kNetwork };
  enum class Outcome { kOutOfScope, kGone, kClean, kMatched, kAlreadyHandled };

  P2pGuard(drivers::ProcessSource& processes, drivers::ProcessControl& control, ProcessInspector& inspector,
           P2pScope scope, pid_t self, EventSink& sink, MonotonicNs monotonicNs);

  void apply(const policy::P2pGuardSettings& settings);
  bool enabled() const { return enabled_; }
  bool networkDetection() const { return enabled_ && settings_.networkDetection; }

  // A process started (exec) or asks to be looked at again. eventNs: kernel time of the exec (for the
  // latency in the event), 0 when unknown.
  Outcome examine(pid_t pid, Trigger trigger, std::uint64_t eventNs = 0);
  // Kernel events: fork marks a process as announced, exec examines, exit forgets.
  void onProcessEvent(const drivers::ProcessEvent& event);
  // Traffic that only file-sharing software sends, seen from pid.
  Outcome onNetworkEvidence(pid_t pid, const NetworkEvidence& evidence);
  // Looks at every process in scope: new ones (missed or started before the agent) and, when deep,
  // ones whose mappings changed (a shallow sweep lists /proc and reads only processes it has not
  // looked at). Returns how many in-scope processes started after subscribedAtTicks (clock ticks
  // since boot) but were never announced by the kernel: the subscription went silent.
  int rescan(std::uint64_t subscribedAtTicks, std::uint64_t nowTicks, bool deep = true);

  // Whether the guard holds facts of a live pid (examined, not yet announced or found gone).
  bool tracks(pid_t pid) const { return tracked_.contains(pid); }
  // Whether pid is in scope (cached per process); the exec guard asks this too.
  bool inScope(pid_t pid);
  const P2pScope& scope() const { return scope_; }
  // What the guard and the exec guard stopped, shared with the exec guard's thread: one event per
  // launch when both stop it.
  StopLedger& stops() { return stops_; }

 private:
  struct Tracked {
    std::uint64_t startTime = 0;
    bool inScope = false;
    bool handled = false;  // matched and acted on / reported: never reported twice
    bool examined = false;
    std::size_t mappingsSeen = 0;    // how many mappings the last look had
    std::uint64_t virtualBytes = 0;  // stat's vsize when examined: a deep sweep reads it again only when it changed
  };
  Tracked* track(const drivers::ProcessInfo& info);
  Outcome act(const drivers::ProcessInfo& info, policy::ProcessFacts& facts, const policy::P2pVerdict& verdict,
              Trigger trigger, std::uint64_t eventNs, const NetworkEvidence* network);
  std::vector<drivers::ProcessInfo> descendantsOf(pid_t pid);

  drivers::ProcessSource& processes_;
  drivers::ProcessControl& control_;
  ProcessInspector& inspector_;
  P2pScope scope_;
  // Pids a shallow sweep found outside the scope without reading them (no start time to track them by).
  std::unordered_set<pid_t> outside_;
  pid_t self_;
  EventSink& sink_;
  MonotonicNs monotonicNs_;
  policy::P2pGuardSettings settings_;
  std::unique_ptr<policy::P2pMatcher> matcher_;
  bool enabled_ = false;
  std::unordered_map<pid_t, Tracked> tracked_;
  std::unordered_map<pid_t, bool> announced_;  // pids the kernel told us about (fork or exec)
  StopLedger stops_;
};

std::string_view triggerName(P2pGuard::Trigger trigger);

}  // namespace mamori::agent::p2p
