#pragma once
// The P2P guard in the agent: kernel exec/fork/exit events (drivers' ProcessEventSource, read on the
// main thread through a QSocketNotifier), rechecks shortly after each clean exec (libraries are
// mapped after the exec event), and a periodic rescan that also finds processes the kernel never
// announced (a silent subscription is reported as p2p.monitor_degraded). Decisions: P2pGuard.
// Network evidence is classified and traced to its sending process on the packet source's own
// thread (the socket must still exist when it is looked up) and acted on here, on the main thread.

#include <QFileSystemWatcher>
#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "agent/p2p/ExecDecider.h"
#include "agent/p2p/FlowClassifier.h"
#include "agent/p2p/HashLearner.h"
#include "agent/p2p/P2pGuard.h"
#include "agent/p2p/RecheckSchedule.h"
#include "agent/p2p/SettlingExecs.h"
#include "drivers/include/FileHasher.h"
#include "drivers/include/PacketSource.h"

namespace mamori::agent::p2p {

struct P2pGuardDrivers {
  std::unique_ptr<drivers::ProcessSource> processes;
  std::unique_ptr<drivers::ProcessControl> control;
  // SHA-256 of executables and libraries (the composition root's FileHashCache), shared by the
  // inspector, the exec decider and hash learning.
  std::shared_ptr<drivers::FileHasher> hashes;
  std::string procRoot = "/proc";
  // Opens the kernel's process events; called at the first apply that enables the guard.
  std::function<common::Result<std::unique_ptr<drivers::ProcessEventSource>>()> openEvents;
  std::function<std::uint64_t()> ticksSinceBoot;
  std::function<std::uint64_t()> monotonicNs;
  // Network behaviour: a packet source in the scope's network namespace, and who sends a flow.
  std::function<common::Result<std::unique_ptr<drivers::PacketSource>>()> openPackets;
  std::function<std::optional<pid_t>(const Flow& flow, const std::vector<pid_t>& candidates)> flowOwner;
  // Who among candidates listens on a TCP port in that namespace (the fallback when the flow's own
  // socket has closed: listenerClues); optional.
  std::function<std::optional<pid_t>(std::uint16_t port, const std::vector<pid_t>& candidates)> listenerOwner;
  // deny_exec: starts the OS's exec permission guard with this decision (called on the guard's own
  // thread: pid of the caller, the file's fd and path). remember: allowed by what the file alone
  // says, so the OS may stop asking about the file until it changes. Releasing the handle stops the
  // guard; forgetAllowed() makes the OS ask about every file again (a new policy or signature set).
  struct ExecAnswer {
    bool allow = true;
    bool remember = false;
  };
  using ExecDecide = std::function<ExecAnswer(pid_t pid, int fd, const std::string& path)>;
  class ExecGuard {
   public:
    virtual ~ExecGuard() = default;
    virtual void forgetAllowed() = 0;
  };
  std::function<common::Result<std::shared_ptr<ExecGuard>>(ExecDecide)> startExecGuard;
  // Hash learning: the root holding var/lib/dpkg/info and the programs ("" = this machine);
  // learnInstalled false turns it off (unit tests with fake processes).
  std::string packageRoot;
  bool learnInstalled = true;
};

class P2pGuardCapability final : public Capability {
 public:
  // Kernel events announce every exec, so the sweeps are a safety net: a shallow one (list /proc,
  // read only unknown processes) every kRescanIntervalMs, a deep one (every process in scope read
  // again: libraries an interpreter loaded late) every kDeepRescanEvery-th time. Without kernel
  // events every sweep is deep.
  static constexpr int kRescanIntervalMs = 2000;
  static constexpr int kDeepRescanEvery = 30;
  // After the package lists change, learn once they have been quiet this long (dpkg writes many).
  static constexpr int kLearnDelayMs = 5000;
  // Exec events settle this long before the guard reads the process (SettlingExecs): what exited
  // meanwhile costs no read. Within the slack a burst is taken in one go, and the socket is read at
  // most once per slack while execs are held (the notifier rests), so a loop of short programs wakes
  // the agent a few hundred times a second, not three times per program. The kill path's figure
  // (exec-to-stop p99 <= 10 ms, issue 19) includes the settle time.
  static constexpr std::chrono::milliseconds kExecSettle{4};
  static constexpr std::chrono::milliseconds kExecSettleSlack{3};

  // The scope is resolved here: an error (e.g. the subtree's root is not running) stops the start.
  static common::Result<std::unique_ptr<P2pGuardCapability>> create(P2pGuardDrivers drivers,
                                                                    const std::string& scopeSpec, EventSink& sink);
  ~P2pGuardCapability() override;

  std::string name() const override { return "p2p_guard"; }
  common::Status apply(const policy::Policy& policy) override;

  P2pGuard& guard() { return *guard_; }

 private:
  P2pGuardCapability(P2pGuardDrivers drivers, P2pScope scope, EventSink& sink);
  void onEventsReadable();
  void onSettleDue();
  bool readEvents();  // drains the socket into settling_; false on a read error (reported)
  void armSettle(bool afterWake);
  void rescan();
  void scheduleRechecks(pid_t pid);
  void armRechecks();
  void onRechecksDue();
  void degraded(const std::string& reason, std::int64_t missed);
  void startNetwork();
  void startExecGuard();
  P2pGuardDrivers::ExecAnswer decideExec(pid_t pid, int fd, const std::string& path);  // on the exec guard's thread
  void onPackets(common::Result<std::vector<drivers::CapturedPacket>> batch);          // on the packet source's thread
  bool learnInstalled();      // hash learning; true when the learned programs changed
  void applySignatureSets();  // the policy's sets and the learned ones, to the guard and the exec decider

  P2pGuardDrivers drivers_;
  EventSink& sink_;
  drivers::FileHasher& hashes_;  // drivers_.hashes
  std::unique_ptr<ProcessInspector> inspector_;
  std::unique_ptr<P2pGuard> guard_;
  std::unique_ptr<drivers::ProcessEventSource> events_;
  std::uint64_t subscribedAtTicks_ = 0;
  QObject context_;  // owns the timers and the notifier's connections
  std::unique_ptr<QSocketNotifier> notifier_;
  QTimer rescanTimer_;
  RecheckSchedule rechecks_;
  SettlingExecs settling_;
  QTimer settleTimer_;   // single shot: the next held exec due, or the notifier's rest after a wake-up
  QTimer recheckTimer_;  // single shot, armed for the schedule's next due time
  RecheckSchedule::Clock::time_point recheckArmedFor_{};
  std::unique_ptr<drivers::PacketSource> packets_;
  P2pScope networkScope_;                // the guard's scope, for the packet thread's own use
  std::set<std::string> reportedFlows_;  // each flow's evidence is acted on once (packet thread only)
  UtpHandshakes utp_;                    // uTP SYNs waiting for their answer (packet thread only)
  // The processes in scope, listed at most once a second on the packet thread (listing means a
  // readlink for every process on the machine, milliseconds that a tracker announce's socket, open
  // for about one, does not have); listed again when a flow's sender is not among them.
  std::vector<pid_t> networkCandidates_;
  std::chrono::steady_clock::time_point candidatesListedAt_{};
  // Finds the sender of evidence seen on flow and hands it to the guard (packet thread).
  void attribute(const Flow& flow, const FlowVerdict& verdict);
  std::unique_ptr<ExecDecider> decider_;
  policy::P2pGuardSettings settings_;                // as the policy says, before learning
  std::optional<policy::P2pGuardSettings> applied_;  // with the learned sets, as the guard has them
  std::unique_ptr<HashLearner> learner_;
  std::unique_ptr<QFileSystemWatcher> packageWatcher_;
  QTimer learnTimer_;
  std::shared_ptr<P2pGuardDrivers::ExecGuard> execGuard_;  // declared last: stopped first
  bool degradedReported_ = false;
  int sweeps_ = 0;
};

}  // namespace mamori::agent::p2p
