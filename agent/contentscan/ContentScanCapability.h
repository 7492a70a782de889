#pragma once
// Scheduled content scans in the agent: the policy's paths are scanned on a background thread (idle
// I/O and CPU priority) at the policy's interval; the incremental cache in the state directory makes
// every pass after the first read only new and changed files. Findings become content.match and
// content.not_inspected events (docs/events.md), never the content itself.
//
// Threads: apply() and the timer run on the agent's main thread; one scan thread at a time; results
// come back to the main thread through queued calls before they are emitted, so the sink (the spool)
// is only ever called from the main thread.

#include <Poco/JSON/Object.h>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/contentscan/ContentSets.h"
#include "agent/contentscan/HomePaths.h"
#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "common/Event.h"
#include "drivers/include/Sandbox.h"
#include "policy/AgentLimits.h"
#include "scan/ContentScanner.h"
#include "scan/CpuBudget.h"
#include "scan/ScanConfig.h"

namespace mamori::agent::contentscan {

class ContentScanCapability final : public Capability {
 public:
  // stateDir holds the cache; homes: what "~/" in the policy's paths stands for; firstScanDelayMs: how
  // long after the first apply the first pass starts (the agent's start is busy enough without a scan).
  ContentScanCapability(std::string stateDir, EventSink& sink, Homes homes,
                        std::int64_t firstScanDelayMs = std::int64_t{5} * 60 * 1000);
  ~ContentScanCapability() override;  // stops a running scan and waits for it

  std::string name() const override { return "content_scan"; }
  // Takes the content_scan section; mode off stops the schedule (a running pass is stopped too).
  common::Status apply(const policy::Policy& policy) override;

  // Starts a pass now unless one is running (also what the timer calls). Roots default to the policy's
  // paths with "~/" expanded for every home directory.
  void scanNow();
  bool scanning() const { return scanning_.load(); }
  // The CPU budget every background scan of the agent is paced by: agent_limits.cpu_percent of the
  // applied policy (docs/policy.md); shared so other background scans can pace with it too.
  std::shared_ptr<scan::CpuBudget> cpuBudget() const { return budget_; }
  // Where passes parse files: the composition root gives the extraction sandbox's launcher
  // (docs/decisions/0022); without one (tests) extraction runs in this process.
  void setExtractionSandbox(std::shared_ptr<drivers::SandboxLauncher> sandbox) { sandbox_ = std::move(sandbox); }
  // The fingerprint and exact-data-match sets passes match against (those the policy names).
  void setContentSets(std::shared_ptr<const ContentSets> sets) { sets_ = std::move(sets); }

  // The details of one event (exposed for tests).
  static Poco::JSON::Object::Ptr matchDetails(const scan::FileResult& result, bool audit);
  static Poco::JSON::Object::Ptr notInspectedDetails(const scan::FileResult& result, bool audit);

 private:
  void onResult(const scan::FileResult& result);  // main thread
  void onFinished(const common::Result<scan::ScanSummary>& summary, std::int64_t elapsedMs);
  void stopScan();
  std::vector<std::string> roots() const;
  int msUntilNextPass() const;

  std::string stateDir_;
  EventSink& sink_;
  Homes homes_;
  std::int64_t firstScanDelayMs_;
  QObject context_;  // queued calls from the scan thread land here, on the main thread
  QTimer timer_;
  policy::ContentScanSettings settings_;
  bool enabled_ = false;
  bool audit_ = false;
  bool firstApply_ = true;
  std::shared_ptr<scan::CpuBudget> budget_ = std::make_shared<scan::CpuBudget>(policy::AgentLimits{}.cpuPercent);
  std::shared_ptr<drivers::SandboxLauncher> sandbox_;
  std::shared_ptr<const ContentSets> sets_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> scanning_{false};
  std::thread thread_;
};

}  // namespace mamori::agent::contentscan
