#pragma once
// Activity monitoring in the agent (docs/decisions/0010-activity-monitoring.md): file activity from a
// FileActivitySource (fanotify in the agent, a fake in tests) is analysed on a worker thread
// (ActivityAnalyzer: removable and cloud-sync writes, bulk reads, archives, print jobs, and the content
// scanner's on-change scans); the findings come back to the main thread, are emitted, and the
// activity.* ones are correlated into incidents (incident.opened / incident.updated).
//
// Threads: apply() and emission run on the agent's main thread; the source has its own reader
// thread; the analysis runs on this capability's worker thread, and only there.

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/activity/ActivityAnalyzer.h"
#include "agent/activity/Correlator.h"
#include "agent/activity/PrintGate.h"
#include "agent/activity/PrintRelease.h"
#include "agent/contentscan/ContentSets.h"
#include "agent/contentscan/HomePaths.h"
#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "drivers/include/FileActivity.h"
#include "drivers/include/PrintSpooler.h"
#include "drivers/include/Sandbox.h"

namespace mamori::agent::activity {

class ActivityCapability final : public Capability {
 public:
  using Homes = contentscan::Homes;

  ActivityCapability(drivers::FileActivitySource& source, EventSink& sink, Homes homes,
                     std::function<std::int64_t()> nowMs, std::function<std::string()> newIncidentId);
  ~ActivityCapability() override;

  std::string name() const override { return "activity"; }
  // Takes the activity section and content_scan (company files; on-change scanning). Both off: the
  // watcher stops.
  common::Status apply(const policy::Policy& policy) override;

  bool running() const { return worker_.joinable(); }
  // Where on-change scans parse files: the extraction sandbox's launcher (docs/decisions/0022), set
  // by the composition root before the first apply; without one extraction runs in this process.
  void setExtractionSandbox(std::shared_ptr<drivers::SandboxLauncher> sandbox) { sandbox_ = std::move(sandbox); }
  // The fingerprint and exact-data-match sets on-change scans match against (those the policy names).
  void setContentSets(std::shared_ptr<const contentscan::ContentSets> sets) { sets_ = std::move(sets); }
  // The print scheduler the print gate holds and releases jobs through (activity.printing.mode
  // enforce); without one, enforce is refused. Set by the composition root before the first apply.
  // notePath: where the gate's note for `mamori-agent printing release` is kept while it enforces
  // (agent/activity/PrintRelease.h; "" = none).
  void setPrintSpooler(drivers::PrintSpooler* spooler, std::string notePath = {}) {
    printSpooler_ = spooler;
    printNotePath_ = std::move(notePath);
  }
  bool printGateRunning() const { return gate_ && gate_->running(); }

 private:
  void run();
  // The print gate under activity.printing.mode enforce (started, given new settings or stopped).
  common::Status applyPrinting(const policy::Policy& policy, const scan::ScanConfig& scan);
  void keepPrintNote(const std::optional<PrintGateNote>& note);
  void deliver(std::vector<Finding> findings);       // main thread
  void deliverLater(std::vector<Finding> findings);  // any thread: deliver on the main thread
  void checkCounters(std::vector<Finding>& out);
  void stopWorker();

  drivers::FileActivitySource& source_;
  EventSink& sink_;
  Homes homes_;
  std::function<std::int64_t()> nowMs_;
  std::shared_ptr<drivers::SandboxLauncher> sandbox_;
  std::shared_ptr<const contentscan::ContentSets> sets_;
  QObject context_;  // queued calls from the worker land here, on the main thread
  Correlator correlator_;

  std::mutex mutex_;  // guards next_
  std::shared_ptr<ActivityAnalyzer> next_;
  std::thread worker_;
  std::atomic<bool> stop_{false};
  drivers::FileActivityCounters reported_;  // worker thread only
  std::int64_t countersCheckedMs_ = 0;
  drivers::PrintSpooler* printSpooler_ = nullptr;
  std::string printNotePath_;
  std::unique_ptr<PrintGate> gate_;  // stopped first in the destructor (its findings come here)
};

}  // namespace mamori::agent::activity
