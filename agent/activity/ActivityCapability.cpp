#include "agent/activity/ActivityCapability.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "agent/contentscan/HomePaths.h"
#include "agent/core/MainThread.h"
#include "agent/report/EventFactory.h"
#include "common/Files.h"
#include "common/Log.h"
#include "common/ThreadName.h"

namespace mamori::agent::activity {

namespace {
constexpr int kPollMs = 250;
constexpr std::int64_t kCountersEveryMs = 10'000;
constexpr std::int64_t kMountsEveryMs = 1000;
constexpr std::size_t kBatch = 256;
constexpr int kBatchWaitMs = 20;
constexpr auto kSourceGrace = std::chrono::milliseconds(300);

// `cp` closes the copy before the original, so the read that names a write's source comes after the
// write, and on a busy machine the writer can be paused between the two closes for longer than a
// batch waits. A writer still running whose reads are not in the batch may yet send them.
bool awaitingReads(const std::vector<drivers::FileActivity>& batch, const drivers::FileActivitySource& source) {
  for (const auto& write : batch) {
    if (write.op != drivers::FileOp::kWritten) continue;
    const bool read = std::any_of(batch.begin(), batch.end(), [&](const drivers::FileActivity& other) {
      return other.op == drivers::FileOp::kRead && other.pid == write.pid;
    });
    if (!read && source.processRunning(write.pid)) return true;
  }
  return false;
}
}  // namespace

ActivityCapability::ActivityCapability(drivers::FileActivitySource& source, EventSink& sink, Homes homes,
                                       std::function<std::int64_t()> nowMs, std::function<std::string()> newIncidentId)
    : source_(source),
      sink_(sink),
      homes_(std::move(homes)),
      nowMs_(std::move(nowMs)),
      correlator_(policy::IncidentSettings{}, std::move(newIncidentId)) {}

ActivityCapability::~ActivityCapability() {
  gate_.reset();  // the agent stops: the print gate's fail mode decides what waiting jobs do
  stopWorker();
  source_.stop();
}

void ActivityCapability::stopWorker() {
  stop_ = true;
  if (worker_.joinable()) worker_.join();
  stop_ = false;
}

common::Status ActivityCapability::apply(const policy::Policy& policy) {
  AnalyzerConfig config;
  const auto homes = homes_();
  config.activity = policy.activity;
  config.activity.cloudSyncFolders = contentscan::expandHomePaths(policy.activity.cloudSyncFolders, homes);
  config.activity.watched = contentscan::expandHomePaths(policy.activity.watched, homes);
  config.activityEnabled = policy.activity.mode != policy::Mode::kOff;
  config.activityAudit = policy.activity.mode == policy::Mode::kAudit;
  config.scan = scan::ScanConfig::fromPolicy(policy.contentScan);
  config.scan.sandbox = sandbox_;
  if (sets_) sets_->attach(config.scan, policy.contentScan);
  if (policy.contentScan.mode != policy::Mode::kOff && policy.contentScan.schedule.onChange) {
    config.scanPaths = contentscan::expandHomePaths(policy.contentScan.paths, homes);
  }
  config.scanAudit = policy.contentScan.mode == policy::Mode::kAudit;
  if (auto printing = applyPrinting(policy, config.scan); !printing) return printing;
  const std::vector<std::string> roots = config.roots();
  if (roots.empty()) {
    stopWorker();
    source_.stop();
    return common::Ok{};
  }
  auto analyzer = ActivityAnalyzer::create(std::move(config));
  if (!analyzer) return common::makeError("activity: " + analyzer.error().describe());
  if (auto watching = source_.watch(roots); !watching) {
    return common::makeError("activity: cannot watch file activity: " + watching.error().describe());
  }
  correlator_.setSettings(policy.activity.incident);
  {
    const std::lock_guard lock(mutex_);
    next_ = std::move(analyzer).value();
  }
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  std::string listed;
  for (const auto& root : roots) listed += (listed.empty() ? "" : ", ") + root;
  common::log::info("activity: watching " + listed);
  return common::Ok{};
}

common::Status ActivityCapability::applyPrinting(const policy::Policy& policy, const scan::ScanConfig& scan) {
  PrintGateConfig gate;
  gate.enforce = policy::printingMode(policy.activity) == policy::Mode::kEnforce;
  gate.failOpen = policy.activity.printing.failOpen;
  gate.server = policy.activity.printing.server;
  gate.spoolDir = policy.activity.printing.spoolDir;
  gate.scan = scan;
  if (gate.enforce && printSpooler_ == nullptr) {
    return common::makeError("activity: printing.mode enforce needs the print scheduler, which this agent has not");
  }
  if (!gate_ && !gate.enforce) return common::Ok{};
  if (!gate_) {
    gate_ = std::make_unique<PrintGate>(
        *printSpooler_, [this](std::vector<Finding> findings) { deliverLater(std::move(findings)); }, nowMs_);
  }
  const bool was = gate_->running();
  const PrintGateNote note{gate.failOpen, gate.server};
  if (auto applied = gate_->apply(std::move(gate)); !applied) return applied;
  keepPrintNote(gate_->running() ? std::optional<PrintGateNote>(note) : std::nullopt);
  if (gate_->running() != was) {
    common::log::info(gate_->running() ? "activity: print jobs are held until inspected"
                                       : "activity: print jobs are no longer held");
  }
  return common::Ok{};
}

// The note says how the queues are held while the gate runs, for whoever lifts them when the agent
// cannot (a crash, the package's removal); gone when nothing is held.
void ActivityCapability::keepPrintNote(const std::optional<PrintGateNote>& note) {
  if (printNotePath_.empty()) return;
  if (!note) {
    std::error_code ec;
    std::filesystem::remove(printNotePath_, ec);
    return;
  }
  if (auto written = common::writeFileAtomically(printNotePath_, printGateNoteText(*note), 0600); !written) {
    common::log::warning("activity: cannot keep the print gate's note for `mamori-agent printing release`: " +
                         written.error().describe());
  }
}

void ActivityCapability::run() {
  common::nameThisThread("mamori-analyze");
  std::shared_ptr<ActivityAnalyzer> analyzer;
  std::vector<drivers::MountEntry> mounts;
  std::int64_t mountsReadMs = 0;
  while (!stop_) {
    std::vector<drivers::FileActivity> batch;
    if (auto first = source_.next(kPollMs)) {
      batch.push_back(std::move(*first));
      // What arrives with it: `cp` closes the copy before the original, so the read that names the
      // source comes just after the write; a batch lets reads be seen first.
      while (batch.size() < kBatch) {
        auto more = source_.next(kBatchWaitMs);
        if (!more) break;
        batch.push_back(std::move(*more));
      }
      const auto graceEnds = std::chrono::steady_clock::now() + kSourceGrace;
      while (batch.size() < kBatch && std::chrono::steady_clock::now() < graceEnds && awaitingReads(batch, source_)) {
        if (auto more = source_.next(kBatchWaitMs)) batch.push_back(std::move(*more));
      }
    }
    {
      // After the wait: an event that arrives right after apply() is judged by the new policy.
      const std::lock_guard lock(mutex_);
      if (next_) analyzer = std::move(next_);  // a new policy: new rules, fresh windows
    }
    std::vector<Finding> findings;
    const std::int64_t now = nowMs_();
    if (now - countersCheckedMs_ >= kCountersEveryMs) checkCounters(findings);
    if (!batch.empty() && analyzer) {
      if (now - mountsReadMs >= kMountsEveryMs || batch.front().timeMs < mountsReadMs) {
        mounts = source_.mounts();  // the source re-reads the table when the kernel says it changed
        mountsReadMs = now;
      }
      std::stable_partition(batch.begin(), batch.end(),
                            [](const drivers::FileActivity& a) { return a.op == drivers::FileOp::kRead; });
      for (const auto& activity : batch) {
        auto more = analyzer->analyze(activity, mounts);
        findings.insert(findings.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    }
    if (findings.empty()) continue;
    deliverLater(std::move(findings));
  }
}

void ActivityCapability::deliverLater(std::vector<Finding> findings) {
  runOnThreadOf(context_, [this, findings = std::move(findings)]() mutable { deliver(std::move(findings)); });
}

// Events the kernel or our queue lost are reported, so an analyst knows the picture has gaps.
void ActivityCapability::checkCounters(std::vector<Finding>& out) {
  countersCheckedMs_ = nowMs_();
  const auto counters = source_.counters();
  if (counters.dropped == reported_.dropped && counters.overflows == reported_.overflows) return;
  auto details = makeDetails();
  details->set("activity.dropped", counters.dropped - reported_.dropped);
  details->set("activity.overflows", counters.overflows - reported_.overflows);
  details->set("activity.received_total", counters.received);
  reported_ = counters;
  out.push_back({"activity.events_lost", common::Severity::Medium, details, std::nullopt});
}

void ActivityCapability::deliver(std::vector<Finding> findings) {
  for (auto& finding : findings) {
    const std::string id = sink_.report(finding.type, finding.severity, finding.details);
    if (!finding.evidence) continue;
    Evidence evidence = *finding.evidence;
    evidence.eventId = id;
    if (evidence.timeMs == 0) evidence.timeMs = nowMs_();
    auto incident = correlator_.add(evidence);
    if (!incident) continue;
    auto details = makeDetails();
    details->set("incident.id", incident->incidentId);
    details->set("incident.score", incident->score);
    details->set("incident.first_time", common::formatUtcMs(incident->firstMs));
    details->set("incident.last_time", common::formatUtcMs(incident->lastMs));
    details->set("user.name", incident->user);
    Poco::JSON::Array::Ptr chain = new Poco::JSON::Array;
    for (const auto& item : incident->evidence) {
      Poco::JSON::Object::Ptr link = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      link->set("event.id", item.eventId);
      link->set("event.type", item.type);
      link->set("time", common::formatUtcMs(item.timeMs));
      link->set("weight", item.weight);
      link->set("process.pid", static_cast<std::int64_t>(item.pid));
      link->set("path", item.path);
      chain->add(link);
    }
    details->set("incident.evidence", chain);
    sink_.report(incident->opened ? "incident.opened" : "incident.updated", common::Severity::High, details);
  }
}

}  // namespace mamori::agent::activity
