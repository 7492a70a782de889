#include "agent/p2p/P2pGuard.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "agent/p2p/VerdictJson.h"
#include "agent/p2p/WineProgram.h"
#include "agent/report/EventFactory.h"
#include "common/Log.h"

namespace mamori::agent::p2p {

std::string_view triggerName(P2pGuard::Trigger trigger) {
  switch (trigger) {
    case P2pGuard::Trigger::kExec: return "exec";
    case P2pGuard::Trigger::kRecheck: return "recheck";
    case P2pGuard::Trigger::kRescan: return "rescan";
    case P2pGuard::Trigger::kNetwork: return "network";
  }
  return "exec";
}

P2pGuard::P2pGuard(drivers::ProcessSource& processes, drivers::ProcessControl& control, ProcessInspector& inspector,
                   P2pScope scope, pid_t self, EventSink& sink, MonotonicNs monotonicNs)
    : processes_(processes),
      control_(control),
      inspector_(inspector),
      scope_(std::move(scope)),
      self_(self),
      sink_(sink),
      monotonicNs_(std::move(monotonicNs)) {}

void P2pGuard::apply(const policy::P2pGuardSettings& settings) {
  settings_ = settings;
  enabled_ = settings.mode != policy::Mode::kOff;
  matcher_ = std::make_unique<policy::P2pMatcher>(settings);
  inspector_.setSignatureSets(settings.signatureSets);
  // New signatures: everything gets looked at again (a process allowed yesterday may match today).
  for (auto& [pid, tracked] : tracked_) {
    tracked.handled = false;
    tracked.examined = false;
  }
}

P2pGuard::Tracked* P2pGuard::track(const drivers::ProcessInfo& info) {
  auto it = tracked_.find(info.pid);
  if (it != tracked_.end() && it->second.startTime == info.startTime) return &it->second;
  Tracked fresh;
  fresh.startTime = info.startTime;
  fresh.inScope = info.pid != self_ && !info.kernelThread && scope_.contains(info.pid, processes_);
  return &(tracked_[info.pid] = fresh);
}

bool P2pGuard::inScope(pid_t pid) {
  if (pid == self_) return false;
  if (const auto it = tracked_.find(pid); it != tracked_.end()) return it->second.inScope;
  return scope_.contains(pid, processes_);
}

P2pGuard::Outcome P2pGuard::examine(pid_t pid, Trigger trigger, std::uint64_t eventNs) {
  if (!enabled_ || !matcher_ || pid == self_) return Outcome::kOutOfScope;
  // Outside the scope nothing is read: every exec on the machine comes here (a build runs thousands).
  // The scope answers from one small file (none for "all"); a cached answer could be a reused pid's.
  if (trigger == Trigger::kExec && !scope_.contains(pid, processes_)) return Outcome::kOutOfScope;
  auto read = processes_.read(pid);
  if (!read) return Outcome::kGone;
  const drivers::ProcessInfo& info = read.value();
  Tracked* tracked = track(info);
  // An exec replaces the program: what was handled before was another program.
  if (trigger == Trigger::kExec) {
    tracked->handled = false;
    tracked->mappingsSeen = 0;
  }
  if (!tracked->inScope) return Outcome::kOutOfScope;
  if (tracked->handled) return Outcome::kAlreadyHandled;
  tracked->examined = true;
  tracked->mappingsSeen = info.mappings.size();
  tracked->virtualBytes = info.virtualBytes;

  // Cheapest first: a known name or script decides without reading a file.
  policy::ProcessFacts facts = inspector_.basic(info);
  addWineProgram(processes_, info, facts);
  auto verdict = matcher_->evaluate(facts);
  if (verdict.matched) return act(info, facts, verdict, trigger, eventNs, nullptr);
  inspector_.addHashes(info, facts);
  verdict = matcher_->evaluate(facts);
  if (verdict.matched) return act(info, facts, verdict, trigger, eventNs, nullptr);
  inspector_.addYara(info, facts);
  verdict = matcher_->evaluate(facts);
  if (verdict.matched) return act(info, facts, verdict, trigger, eventNs, nullptr);
  return Outcome::kClean;
}

P2pGuard::Outcome P2pGuard::onNetworkEvidence(pid_t pid, const NetworkEvidence& evidence) {
  if (!networkDetection() || pid == self_) return Outcome::kOutOfScope;
  auto read = processes_.read(pid);
  if (!read) return Outcome::kGone;
  if (evidence.senderStartTime != 0 && read.value().startTime != evidence.senderStartTime) return Outcome::kGone;
  Tracked* tracked = track(read.value());
  if (!tracked->inScope) return Outcome::kOutOfScope;
  if (tracked->handled) return Outcome::kAlreadyHandled;
  policy::ProcessFacts facts = inspector_.basic(read.value());
  addWineProgram(processes_, read.value(), facts);
  policy::P2pVerdict verdict;
  verdict.matched = true;
  if (settings_.mode == policy::Mode::kAudit) {
    verdict.audit = true;
  } else {
    verdict.kill = settings_.kill;
  }
  return act(read.value(), facts, verdict, Trigger::kNetwork, 0, &evidence);
}

void P2pGuard::onProcessEvent(const drivers::ProcessEvent& event) {
  switch (event.kind) {
    case drivers::ProcessEvent::Kind::kFork: announced_[event.pid] = true; break;
    case drivers::ProcessEvent::Kind::kExec:
      announced_[event.pid] = true;
      examine(event.pid, Trigger::kExec, event.timestampNs);
      break;
    case drivers::ProcessEvent::Kind::kExit:
      announced_.erase(event.pid);
      tracked_.erase(event.pid);
      stops_.forget(event.pid);
      break;
  }
}

std::vector<drivers::ProcessInfo> P2pGuard::descendantsOf(pid_t root) {
  // Through the kernel's children lists: a just-started client has none, so this costs one directory
  // read on the way to the kill instead of a scan of every process.
  std::vector<drivers::ProcessInfo> out;
  std::vector<pid_t> queue{root};
  std::unordered_set<pid_t> seen{root};
  while (!queue.empty() && seen.size() < 4096) {
    const pid_t current = queue.back();
    queue.pop_back();
    for (const pid_t child : processes_.children(current)) {
      if (!seen.insert(child).second || child == self_) continue;
      if (auto info = processes_.read(child); info) out.push_back(std::move(info).value());
      queue.push_back(child);
    }
  }
  return out;
}

P2pGuard::Outcome P2pGuard::act(const drivers::ProcessInfo& info, policy::ProcessFacts& facts,
                                const policy::P2pVerdict& verdict, Trigger trigger, std::uint64_t eventNs,
                                const NetworkEvidence* network) {
  tracked_[info.pid].handled = true;
  auto details = makeDetails();
  std::vector<pid_t> killed;
  std::string failure;
  std::uint64_t latencyNs = 0;
  // Whether the exec guard has reported refusing this launch already (a Wine loader's second exec
  // refused while its first exec's event waited here): then it is killed all the same, unreported.
  const std::string& program = facts.wineProgram ? facts.scriptPath : info.exePath;
  const bool report = !verdict.kill || stops_.kill(info.pid, info.startTime, program);
  if (verdict.kill) {
    // Children first collected (they are re-parented once the root dies), root first killed (so it
    // cannot start more), then the children, each checked against its start time.
    auto descendants = descendantsOf(info.pid);
    if (auto done = control_.kill(info.pid, info.startTime); done) {
      killed.push_back(info.pid);
    } else {
      failure = done.error().describe();
      if (report) stops_.killFailed(info.pid);
    }
    if (eventNs != 0) latencyNs = monotonicNs_() - eventNs;
    for (const auto& child : descendants) {
      if (!scope_.contains(child.pid, processes_)) continue;  // never outside the scope, not even a child
      if (control_.kill(child.pid, child.startTime)) killed.push_back(child.pid);
    }
  }
  if (!report) {
    common::log::info("p2p guard: pid " + std::to_string(info.pid) + " " + info.comm + " (" + program +
                      "): its exec was refused already" + (failure.empty() ? "; killed too" : "") +
                      ", no second event");
    return Outcome::kAlreadyHandled;
  }
  // The rest of the evidence (hashes) for the report, now that the process no longer runs.
  if (facts.exeSha256.empty()) inspector_.addHashes(info, facts);

  details->set("process.pid", static_cast<std::int64_t>(info.pid));
  details->set("process.ppid", static_cast<std::int64_t>(info.ppid));
  details->set("process.name", info.comm);
  details->set("process.executable", info.exePath);
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;
  for (const auto& arg : info.argv) args->add(arg);
  details->set("process.args", args);
  details->set("process.hash.sha256", facts.exeSha256);
  addProgramJson(*details, facts);
  details->set("user.name", info.user);
  details->set("user.id", static_cast<std::int64_t>(info.uid));
  Poco::JSON::Array::Ptr signals = signalsJson(verdict);
  if (network != nullptr) {
    Poco::JSON::Object::Ptr item = makeDetails();
    item->set("signal", std::string("network"));
    item->set("signature_set", std::string("network-behaviour"));
    item->set("matched", network->protocol + ": " + network->detail);
    item->set("subject", network->flow);
    if (!network->attribution.empty()) item->set("attribution", network->attribution);
    signals->add(item);
  }
  details->set("p2p.signals", signals);
  details->set("process.libraries", evidenceLibrariesJson(facts, verdict));
  details->set("p2p.trigger", std::string(triggerName(trigger)));
  details->set("p2p.scope", scope_.spec());
  details->set("p2p.mode", std::string(verdict.audit ? "audit" : "enforce"));
  std::string type = "p2p.detected";
  if (verdict.kill) {
    details->set("p2p.action", std::string(failure.empty() ? "killed" : "kill_failed"));
    Poco::JSON::Array::Ptr killedPids = new Poco::JSON::Array;
    for (const pid_t pid : killed) killedPids->add(static_cast<std::int64_t>(pid));
    details->set("p2p.killed_pids", killedPids);
    if (!failure.empty()) details->set("error.message", failure);
    if (latencyNs != 0) details->set("p2p.exec_to_kill_us", static_cast<std::int64_t>(latencyNs / 1000));
    if (failure.empty()) type = "p2p.killed";
  } else {
    details->set("p2p.action", std::string(verdict.audit ? "reported" : "none"));
  }
  common::log::info("p2p guard: " + type + " pid " + std::to_string(info.pid) + " " + info.comm + " (" + info.exePath +
                    ")");
  sink_.report(type, verdict.kill ? common::Severity::High : common::Severity::Medium, details);
  return Outcome::kMatched;
}

int P2pGuard::rescan(std::uint64_t subscribedAtTicks, std::uint64_t nowTicks, bool deep) {
  if (!enabled_) return 0;
  int unannounced = 0;
  if (deep) outside_.clear();
  std::unordered_set<pid_t> alive;
  for (const pid_t pid : processes_.pids()) {
    alive.insert(pid);
    auto it = tracked_.find(pid);
    if (it != tracked_.end() && (!it->second.inScope || it->second.handled)) continue;
    if (!deep && it != tracked_.end() && it->second.examined) continue;  // known: the kernel reports its exec
    if (deep && it != tracked_.end() && it->second.examined) {
      // A deep sweep looks for libraries mapped since the process was examined (dlopen of an engine):
      // the address space grows with each, and stat says so in one small file. Only a process whose
      // size changed (or a reused pid) is read in full.
      auto brief = processes_.brief(pid);
      if (!brief) continue;
      if (brief.value().startTime == it->second.startTime && brief.value().virtualBytes == it->second.virtualBytes) {
        continue;
      }
    }
    // A process not seen before is asked the scope first (one small file, none for "all"): the
    // machine's other processes come and go all the time (a build), and reading each one's status,
    // command line and mappings only to find it outside was most of what an idle sweep read.
    // Found outside, it is not asked again until it has gone or a deep sweep comes (its execs are
    // judged when they happen).
    if (it == tracked_.end()) {
      if (outside_.contains(pid)) continue;
      if (pid == self_ || !scope_.contains(pid, processes_)) {
        outside_.insert(pid);
        continue;
      }
    }
    auto read = processes_.read(pid);
    if (!read) continue;
    const auto& info = read.value();
    Tracked* tracked = track(info);
    if (!tracked->inScope) continue;
    // Started after we subscribed (with a second of slack either way), yet never announced.
    constexpr std::uint64_t kSlackTicks = 100;
    if (subscribedAtTicks != 0 && info.startTime > subscribedAtTicks + kSlackTicks &&
        info.startTime + kSlackTicks < nowTicks && !announced_.contains(pid)) {
      ++unannounced;
      announced_[pid] = true;  // counted once
    }
    if (!tracked->examined || tracked->mappingsSeen != info.mappings.size()) examine(pid, Trigger::kRescan);
  }
  std::erase_if(tracked_, [&](const auto& entry) { return !alive.contains(entry.first); });
  std::erase_if(announced_, [&](const auto& entry) { return !alive.contains(entry.first); });
  std::erase_if(outside_, [&](pid_t pid) { return !alive.contains(pid); });
  return unannounced;
}

}  // namespace mamori::agent::p2p
