#include "agent/p2p/P2pGuardCapability.h"

#include <unistd.h>

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "agent/core/MainThread.h"
#include "agent/p2p/VerdictJson.h"
#include "agent/report/EventFactory.h"
#include "common/Log.h"

namespace mamori::agent::p2p {

namespace {
// After a clean exec: the dynamic loader maps the libraries within milliseconds, an interpreter
// imports its modules (deluged: libtorrent) within about a second, several on a loaded machine. The
// deep sweep (once a minute) is the net after that.
// After a clean exec the process is looked at again at these delays (libraries mapped after start);
// rechecks due within the slack of each other are done in one wake-up.
constexpr std::array<std::chrono::milliseconds, 5> kRecheckDelays = {
    std::chrono::milliseconds(15), std::chrono::milliseconds(150), std::chrono::milliseconds(1000),
    std::chrono::milliseconds(3000), std::chrono::milliseconds(10000)};
constexpr std::chrono::milliseconds kRecheckSlack{5};
}  // namespace

common::Result<std::unique_ptr<P2pGuardCapability>> P2pGuardCapability::create(P2pGuardDrivers drivers,
                                                                               const std::string& scopeSpec,
                                                                               EventSink& sink) {
  MAMORI_ASSERT(drivers.hashes != nullptr);
  auto scope = P2pScope::resolve(scopeSpec, *drivers.processes);
  if (!scope) return scope.error();
  return std::unique_ptr<P2pGuardCapability>(
      new P2pGuardCapability(std::move(drivers), std::move(scope).value(), sink));
}

P2pGuardCapability::P2pGuardCapability(P2pGuardDrivers drivers, P2pScope scope, EventSink& sink)
    : drivers_(std::move(drivers)),
      sink_(sink),
      hashes_(*drivers_.hashes),
      rechecks_({kRecheckDelays.begin(), kRecheckDelays.end()}, kRecheckSlack),
      settling_(kExecSettle, kExecSettleSlack) {
  inspector_ = std::make_unique<ProcessInspector>(drivers_.procRoot, hashes_);
  guard_ = std::make_unique<P2pGuard>(*drivers_.processes, *drivers_.control, *inspector_, std::move(scope), ::getpid(),
                                      sink_, drivers_.monotonicNs);
  decider_ = std::make_unique<ExecDecider>(*drivers_.processes, guard_->scope(), hashes_);
  networkScope_ = guard_->scope();
  rescanTimer_.setInterval(kRescanIntervalMs);
  QObject::connect(&rescanTimer_, &QTimer::timeout, &context_, [this] { rescan(); });
  recheckTimer_.setSingleShot(true);
  QObject::connect(&recheckTimer_, &QTimer::timeout, &context_, [this] { onRechecksDue(); });
  settleTimer_.setSingleShot(true);
  settleTimer_.setTimerType(Qt::PreciseTimer);
  QObject::connect(&settleTimer_, &QTimer::timeout, &context_, [this] { onSettleDue(); });
  if (drivers_.learnInstalled) learner_ = std::make_unique<HashLearner>(drivers_.packageRoot, hashes_);
  learnTimer_.setSingleShot(true);
  learnTimer_.setInterval(kLearnDelayMs);
  QObject::connect(&learnTimer_, &QTimer::timeout, &context_, [this] {
    if (!learnInstalled()) return;
    applySignatureSets();
    rescan();  // what runs already may be a copy known now
  });
}

P2pGuardCapability::~P2pGuardCapability() {
  execGuard_.reset();  // no decision may run once the rest is gone
  rescanTimer_.stop();
  recheckTimer_.stop();
  settleTimer_.stop();
  notifier_.reset();
}

common::Status P2pGuardCapability::apply(const policy::Policy& policy) {
  settings_ = policy.p2pGuard;
  (void)learnInstalled();
  applySignatureSets();
  if (policy.p2pGuard.mode == policy::Mode::kEnforce && policy.p2pGuard.denyExec) {
    startExecGuard();
  } else {
    execGuard_.reset();
  }
  if (!guard_->enabled()) {
    rescanTimer_.stop();
    recheckTimer_.stop();
    rechecks_.clear();
    settleTimer_.stop();
    settling_.clear();
    learnTimer_.stop();
    packageWatcher_.reset();
    notifier_.reset();
    events_.reset();
    packets_.reset();
    common::log::info("p2p guard: off");
    return common::Ok{};
  }
  if (!events_ && drivers_.openEvents) {
    auto opened = drivers_.openEvents();
    if (opened) {
      events_ = std::move(opened).value();
      subscribedAtTicks_ = drivers_.ticksSinceBoot();
      notifier_ = std::make_unique<QSocketNotifier>(events_->fd(), QSocketNotifier::Read);
      QObject::connect(notifier_.get(), &QSocketNotifier::activated, &context_, [this] { onEventsReadable(); });
    } else {
      // Without kernel events the rescan still finds everything, only later.
      degraded("no process events: " + opened.error().describe(), 0);
    }
  }
  common::log::info("p2p guard: " + std::string(policy.p2pGuard.mode == policy::Mode::kAudit ? "audit" : "enforce") +
                    ", scope " + guard_->scope().spec() + ", " + std::to_string(policy.p2pGuard.signatureSets.size()) +
                    " signature sets");
  if (learner_ && !packageWatcher_) {
    // Packages installed, upgraded or removed: dpkg rewrites its file lists (inotify, no polling).
    packageWatcher_ = std::make_unique<QFileSystemWatcher>();
    if (packageWatcher_->addPath(QString::fromStdString(learner_->packageListFolder()))) {
      QObject::connect(packageWatcher_.get(), &QFileSystemWatcher::directoryChanged, &context_,
                       [this] { learnTimer_.start(); });
    } else {
      common::log::info("p2p guard: no package lists at " + learner_->packageListFolder() +
                        ": hashes are learned at start only");
    }
  }
  if (guard_->networkDetection()) {
    startNetwork();
  } else {
    packets_.reset();
  }
  rescan();  // what runs already (and what the new signatures now match)
  rescanTimer_.start();
  return common::Ok{};
}

bool P2pGuardCapability::learnInstalled() {
  if (!learner_ || settings_.mode == policy::Mode::kOff) return false;
  const std::uint64_t begin = drivers_.monotonicNs();
  const bool changed = learner_->learn(settings_.signatureSets);
  const std::uint64_t tookUs = (drivers_.monotonicNs() - begin) / 1000;
  if (changed) {
    std::string names;
    for (const auto& program : learner_->learned()) names += (names.empty() ? "" : ", ") + program.path;
    common::log::info("p2p guard: learned the hashes of " + std::to_string(learner_->learned().size()) +
                      " installed programs in " + std::to_string(tookUs / 1000) + " ms" +
                      (names.empty() ? std::string() : ": " + names));
  }
  return changed;
}

void P2pGuardCapability::applySignatureSets() {
  policy::P2pGuardSettings effective = settings_;
  if (learner_ && settings_.mode != policy::Mode::kOff) {
    for (auto& set : learner_->learnedSets()) effective.signatureSets.push_back(std::move(set));
  }
  // The same recognition as now (a policy that changed another section, or learning that found the
  // same programs): what the guard, the decider and the kernel's ignore marks know stays true.
  if (applied_ && policy::sameRecognition(*applied_, effective)) return;
  guard_->apply(effective);
  decider_->apply(effective);
  if (execGuard_) execGuard_->forgetAllowed();  // files allowed under the old sets are asked about again
  applied_ = std::move(effective);
}

namespace {
// When the kernel says the event happened (its clock is CLOCK_MONOTONIC, steady_clock's), so an
// exec read late (the notifier resting) is not held longer for it.
SettlingExecs::Clock::time_point heardAt(const drivers::ProcessEvent& event, SettlingExecs::Clock::time_point now) {
  if (event.timestampNs == 0) return now;
  const SettlingExecs::Clock::time_point kernel{std::chrono::nanoseconds(event.timestampNs)};
  return std::min(kernel, now);
}
}  // namespace

bool P2pGuardCapability::readEvents() {
  auto batch = events_->drain();
  if (!batch) {
    degraded("reading process events: " + batch.error().describe(), 0);
    return false;
  }
  const auto now = SettlingExecs::Clock::now();
  for (const auto& event : batch.value().events) {
    if (settling_.add(event, heardAt(event, now))) guard_->onProcessEvent(event);  // forks and exits
  }
  if (batch.value().overrun) {
    degraded("the kernel dropped process events (receive buffer overrun)", 0);
    rescan();
  }
  return true;
}

void P2pGuardCapability::onEventsReadable() {
  if (!readEvents()) return;
  armSettle(true);
}

void P2pGuardCapability::onSettleDue() {
  if (!events_ || !readEvents()) return;
  for (const auto& event : settling_.takeDue(SettlingExecs::Clock::now())) {
    const auto outcome = guard_->examine(event.pid, P2pGuard::Trigger::kExec, event.timestampNs);
    if (outcome == P2pGuard::Outcome::kClean) scheduleRechecks(event.pid);
    guard_->onProcessEvent({drivers::ProcessEvent::Kind::kFork, event.pid, 0});  // mark as announced
  }
  armSettle(false);
}

void P2pGuardCapability::armSettle(bool afterWake) {
  // While execs are held, or for a slack after a wake-up (a fork comes just before its exec), the
  // notifier rests and the timer reads the socket; otherwise the notifier wakes us again.
  const auto now = SettlingExecs::Clock::now();
  std::optional<SettlingExecs::Clock::time_point> at = settling_.nextDue();
  if (!at && afterWake) at = now + kExecSettleSlack;
  if (!at) {
    if (notifier_) notifier_->setEnabled(true);
    return;
  }
  if (notifier_) notifier_->setEnabled(false);
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*at - now);
  settleTimer_.start(static_cast<int>(std::max<std::int64_t>(0, wait.count())));
}

void P2pGuardCapability::startNetwork() {
  if (packets_ || !drivers_.openPackets) return;
  auto opened = drivers_.openPackets();
  if (!opened) {
    degraded("no network behaviour detection: " + opened.error().describe(), 0);
    return;
  }
  packets_ = std::move(opened).value();
  if (auto started = packets_->start([this](auto batch) { onPackets(std::move(batch)); }); !started) {
    packets_.reset();
    degraded("no network behaviour detection: " + started.error().describe(), 0);
  }
}

namespace {
constexpr auto kCandidatesMaxAge = std::chrono::seconds(1);
}  // namespace

void P2pGuardCapability::onPackets(common::Result<std::vector<drivers::CapturedPacket>> batch) {
  if (!batch) {
    runOnThreadOf(context_, [this, reason = "reading packets: " + batch.error().describe()] {
      degraded(reason, 0);
      packets_.reset();  // its thread has returned after the error
    });
    return;
  }
  for (const auto& captured : batch.value()) {
    auto packet = parseIpPacket(captured.bytes);
    if (!packet) continue;
    // Evidence is held against the sender, and only a sender on this machine: a packet from another
    // host names a remote socket, and the local socket it reaches may be anyone's (a stray DHT query
    // to avahi's port is no reason to stop avahi).
    if (auto verdict = classifyPayload(packet->flow.tcp, packet->payload)) {
      if (captured.sentHere()) attribute(packet->flow, *verdict);
    } else if (auto utp = utp_.observe(packet->flow, packet->payload, std::chrono::steady_clock::now())) {
      // The connection's ends: the side that answered (this datagram's sender) and the SYN's (its
      // destination), each where it is a process of this machine (on loopback both).
      if (captured.sentHere()) attribute(packet->flow, *utp);
      if (captured.direction != drivers::CapturedPacket::Direction::kSent) attribute(reversed(packet->flow), *utp);
    }
  }
}

void P2pGuardCapability::attribute(const Flow& flow, const FlowVerdict& verdict) {
  const auto listCandidates = [this] {
    networkCandidates_.clear();
    for (const pid_t pid : drivers_.processes->pids()) {
      if (pid != ::getpid() && networkScope_.contains(pid, *drivers_.processes)) networkCandidates_.push_back(pid);
    }
    candidatesListedAt_ = std::chrono::steady_clock::now();
  };
  const std::string described = flow.describe();
  if (reportedFlows_.size() > 10'000) reportedFlows_.clear();
  if (!reportedFlows_.insert(described).second) return;
  // The list kept from the last second first (the sender is usually a process that has been
  // talking for a while), a fresh one when it is not there.
  const bool fresh = std::chrono::steady_clock::now() - candidatesListedAt_ >= kCandidatesMaxAge;
  if (fresh) listCandidates();
  auto owner = drivers_.flowOwner(flow, networkCandidates_);
  if (!owner && !fresh) {
    listCandidates();
    owner = drivers_.flowOwner(flow, networkCandidates_);
  }
  // Gone already (short-lived flows under load): a listening socket of the client outlives it.
  std::string attribution = "by the flow's socket";
  if (!owner && drivers_.listenerOwner) {
    for (const auto& clue : listenerClues(flow, verdict)) {
      owner = drivers_.listenerOwner(clue.port, networkCandidates_);
      if (owner) {
        attribution = "by its listening port " + std::to_string(clue.port) + " (" + clue.why + ")";
        break;
      }
    }
  }
  const std::size_t candidates = networkCandidates_.size();
  const auto sender = owner ? drivers_.processes->read(*owner)
                            : common::makeError("no socket of the " + std::to_string(candidates) +
                                                " processes in scope holds it or listens on a port it names");
  if (!sender) {
    common::log::info("p2p guard: " + verdict.protocol + " traffic (" + verdict.detail + ") on " + described +
                      " from no process in scope (" + sender.error().describe() + ")");
    return;
  }
  NetworkEvidence evidence{verdict.protocol, verdict.detail, described, attribution, sender.value().startTime};
  runOnThreadOf(context_, [this, pid = *owner, evidence = std::move(evidence)] {
    (void)guard_->onNetworkEvidence(pid, evidence);
  });
}

void P2pGuardCapability::startExecGuard() {
  if (execGuard_ || !drivers_.startExecGuard) return;
  auto started =
      drivers_.startExecGuard([this](pid_t pid, int fd, const std::string& path) { return decideExec(pid, fd, path); });
  if (!started) {
    degraded("no exec permission guard (programs are killed after their exec instead): " + started.error().describe(),
             0);
    return;
  }
  execGuard_ = std::move(started).value();
}

P2pGuardDrivers::ExecAnswer P2pGuardCapability::decideExec(pid_t pid, int fd, const std::string& path) {
  const std::uint64_t begin = drivers_.monotonicNs();
  auto decision = decider_->decide(pid, fd, path);
  if (decision.allow) return {true, decision.byFileAlone};
  const P2pGuardDrivers::ExecAnswer refuse{false, false};
  const std::uint64_t decisionNs = drivers_.monotonicNs() - begin;
  // The caller is still the program that called execve: its command line shows what was asked.
  auto caller = drivers_.processes->read(pid);
  // Killed already for this program by the main thread (a Wine loader whose first exec was seen
  // first): refused all the same, reported once.
  const std::string& program = decision.facts.wineProgram ? decision.facts.scriptPath : path;
  if (!guard_->stops().refuse(pid, caller ? caller.value().startTime : 0, program)) return refuse;
  auto details = makeDetails();
  details->set("process.pid", static_cast<std::int64_t>(pid));
  details->set("process.executable", path);
  details->set("process.hash.sha256", decision.facts.exeSha256);
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;
  if (caller) {
    for (const auto& arg : caller.value().argv) args->add(arg);
    details->set("process.parent.name", caller.value().comm);
    details->set("user.name", caller.value().user);
    details->set("user.id", static_cast<std::int64_t>(caller.value().uid));
  }
  details->set("process.args", args);
  addProgramJson(*details, decision.facts);
  details->set("p2p.signals", signalsJson(decision.verdict));
  details->set("process.libraries", evidenceLibrariesJson(decision.facts, decision.verdict));
  details->set("p2p.trigger", std::string("exec_permission"));
  details->set("p2p.scope", guard_->scope().spec());
  details->set("p2p.mode", std::string("enforce"));
  details->set("p2p.action", std::string("exec_denied"));
  details->set("p2p.decision_us", static_cast<std::int64_t>(decisionNs / 1000));
  // Events are spooled on the main thread only.
  runOnThreadOf(context_, [this, details, path, hashed = !decision.facts.exeSha256.empty()]() mutable {
    if (!hashed) {  // denied by name: the hash is read now, after the answer
      if (auto hash = hashes_.sha256(path); hash) details->set("process.hash.sha256", hash.value());
    }
    sink_.report("p2p.exec_denied", common::Severity::High, details);
  });
  return refuse;
}

void P2pGuardCapability::scheduleRechecks(pid_t pid) {
  rechecks_.add(pid, RecheckSchedule::Clock::now());
  armRechecks();
}

void P2pGuardCapability::armRechecks() {
  const auto next = rechecks_.nextDue();
  if (!next) return;
  if (recheckTimer_.isActive() && recheckArmedFor_ <= *next) return;  // already set to wake in time
  recheckArmedFor_ = *next;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - RecheckSchedule::Clock::now());
  recheckTimer_.start(static_cast<int>(std::max<std::int64_t>(0, wait.count())));
}

void P2pGuardCapability::onRechecksDue() {
  for (const pid_t pid : rechecks_.takeDue(RecheckSchedule::Clock::now())) {
    // Exited since (the kernel said so, or a sweep found it gone): nothing to open.
    if (guard_->enabled() && guard_->tracks(pid)) (void)guard_->examine(pid, P2pGuard::Trigger::kRecheck);
  }
  armRechecks();
}

void P2pGuardCapability::rescan() {
  const bool deep = !events_ || sweeps_++ % kDeepRescanEvery == 0;
  const int missed = guard_->rescan(events_ ? subscribedAtTicks_ : 0, drivers_.ticksSinceBoot(), deep);
  if (missed > 0) degraded("processes started without an exec or fork event", missed);
}

void P2pGuardCapability::degraded(const std::string& reason, std::int64_t missed) {
  common::log::warning("p2p guard: monitoring degraded: " + reason);
  if (degradedReported_ && missed == 0) return;  // once per cause class is enough for the console
  degradedReported_ = true;
  auto details = makeDetails();
  details->set("p2p.monitor", std::string("proc_connector"));
  details->set("reason", reason);
  details->set("p2p.unannounced_processes", missed);
  details->set("p2p.rescan_interval_ms", static_cast<std::int64_t>(kRescanIntervalMs));
  sink_.report("p2p.monitor_degraded", common::Severity::Medium, details);
}

}  // namespace mamori::agent::p2p
