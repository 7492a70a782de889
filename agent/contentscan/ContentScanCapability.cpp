#include "agent/contentscan/ContentScanCapability.h"

#include <Poco/JSON/Array.h>

#include <chrono>
#include <ctime>

#include "agent/contentscan/HomePaths.h"
#include "agent/core/MainThread.h"
#include "common/Log.h"
#include "common/ThreadName.h"
#include "scan/ResultFormat.h"

namespace mamori::agent::contentscan {

namespace {

constexpr std::int64_t kMsPerHour = 3600LL * 1000;

Poco::JSON::Object::Ptr baseDetails(const scan::FileResult& result, bool audit) {
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  details->set("file.path", result.path);
  details->set("file.size", result.size);
  details->set("file.hash.sha256", result.sha256);
  details->set("content.audit", audit);
  return details;
}

}  // namespace

ContentScanCapability::ContentScanCapability(std::string stateDir, EventSink& sink, Homes homes,
                                             std::int64_t firstScanDelayMs)
    : stateDir_(std::move(stateDir)), sink_(sink), homes_(std::move(homes)), firstScanDelayMs_(firstScanDelayMs) {
  timer_.setSingleShot(true);
  QObject::connect(&timer_, &QTimer::timeout, &context_, [this] { scanNow(); });
}

ContentScanCapability::~ContentScanCapability() { stopScan(); }

void ContentScanCapability::stopScan() {
  stop_ = true;
  budget_->interrupt();  // workers sleeping in pace() see stop_ now
  if (thread_.joinable()) thread_.join();
  stop_ = false;
}

common::Status ContentScanCapability::apply(const policy::Policy& policy) {
  const auto& section = policy.contentScan;
  enabled_ = section.mode != policy::Mode::kOff;
  audit_ = section.mode == policy::Mode::kAudit;
  settings_ = section;
  // Scans stay below the watchdog's limit (agent/guard) rather than getting the agent restarted.
  budget_->setLimitPercent(policy.agentLimits.cpuPercent);
  if (!enabled_) {
    timer_.stop();
    stopScan();
    return common::Ok{};
  }
  // A new policy (new rules) takes effect at the next pass; the cache notices the new fingerprint.
  if (firstApply_) {
    firstApply_ = false;
    timer_.start(static_cast<int>(std::min<std::int64_t>(firstScanDelayMs_, INT32_MAX)));
  } else if (!timer_.isActive() && !scanning_) {
    timer_.start(msUntilNextPass());
  }
  return common::Ok{};
}

int ContentScanCapability::msUntilNextPass() const {
  std::int64_t ms = settings_.schedule.intervalHours * kMsPerHour;
  if (settings_.schedule.startMinute >= 0) {
    // The next local HH:MM at least an hour away, so one day's pass is not repeated at once.
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    const std::int64_t nowMinute = std::int64_t{local.tm_hour} * 60 + local.tm_min;
    std::int64_t minutes = settings_.schedule.startMinute - nowMinute;
    while (minutes < 60) minutes += std::int64_t{24} * 60;
    ms = std::min<std::int64_t>(ms, minutes * std::int64_t{60'000});
  }
  return static_cast<int>(std::clamp<std::int64_t>(ms, 1000, INT32_MAX));
}

std::vector<std::string> ContentScanCapability::roots() const { return expandHomePaths(settings_.paths, homes_()); }

void ContentScanCapability::scanNow() {
  if (!enabled_ || scanning_) return;
  if (thread_.joinable()) thread_.join();  // the previous pass has finished (scanning_ is false)
  scanning_ = true;
  scan::ScanConfig config = scan::ScanConfig::fromPolicy(settings_);
  if (sets_) sets_->attach(config, settings_);
  config.stateDir = stateDir_;
  config.idlePriority = true;
  config.sandbox = sandbox_;
  thread_ = std::thread([this, config = std::move(config), roots = roots()] {
    common::nameThisThread("mamori-scan");
    const auto started = std::chrono::steady_clock::now();
    common::Result<scan::ScanSummary> summary = common::makeError("scan did not run");
    try {
      scan::ContentScanner scanner(config);
      scanner.setCpuBudget(budget_);
      summary = scanner.run(
          roots,
          [this](const scan::FileResult& result) {
            // Unchanged files were reported when they were first read; a pass reports what is new.
            if (result.fromCache) return;
            runOnThreadOf(context_, [this, result] { onResult(result); });
          },
          &stop_);
    } catch (const std::exception& e) {
      summary = common::makeError(std::string("content scan failed: ") + e.what());
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    runOnThreadOf(context_, [this, summary, elapsed] { onFinished(summary, elapsed); });
  });
}

Poco::JSON::Object::Ptr ContentScanCapability::matchDetails(const scan::FileResult& result, bool audit) {
  auto details = baseDetails(result, audit);
  Poco::JSON::Array::Ptr matches = new Poco::JSON::Array;
  for (const auto& hit : result.hits) {
    Poco::JSON::Object::Ptr match = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    match->set("type", scan::hitKindName(hit.kind));
    match->set("name", hit.name);
    match->set("count", hit.count);
    match->set("container_path", scan::containerPath(result.path, hit.location));
    matches->add(match);
  }
  details->set("content.matches", matches);
  return details;
}

Poco::JSON::Object::Ptr ContentScanCapability::notInspectedDetails(const scan::FileResult& result, bool audit) {
  auto details = baseDetails(result, audit);
  Poco::JSON::Array::Ptr parts = new Poco::JSON::Array;
  for (const auto& skip : result.notInspected) {
    Poco::JSON::Object::Ptr part = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    part->set("container_path", scan::containerPath(result.path, skip.location));
    part->set("reason", skip.reason);
    parts->add(part);
  }
  details->set("content.not_inspected", parts);
  return details;
}

void ContentScanCapability::onResult(const scan::FileResult& result) {
  if (!result.hits.empty()) {
    bool rule = false;
    for (const auto& hit : result.hits) rule = rule || hit.kind == scan::HitKind::kRule;
    sink_.report("content.match", rule ? common::Severity::High : common::Severity::Medium,
                 matchDetails(result, audit_));
  }
  if (!result.notInspected.empty()) {
    sink_.report("content.not_inspected", common::Severity::Low, notInspectedDetails(result, audit_));
  }
}

void ContentScanCapability::onFinished(const common::Result<scan::ScanSummary>& summary, std::int64_t elapsedMs) {
  scanning_ = false;
  if (thread_.joinable()) thread_.join();
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  details->set("event.duration_ms", elapsedMs);
  if (summary) {
    const auto& s = summary.value();
    details->set("content.files", s.files);
    details->set("content.files_read", s.filesRead);
    details->set("content.cache_hits", s.cacheHits);
    details->set("content.bytes_read", s.bytesRead);
    details->set("content.files_with_matches", s.filesWithHits);
    details->set("content.files_not_inspected", s.notInspected);
    sink_.report("content.scan_completed", common::Severity::Info, details);
  } else {
    details->set("error.message", summary.error().describe());
    sink_.report("content.scan_failed", common::Severity::High, details);
    common::log::warning("content scan: " + summary.error().describe());
  }
  if (enabled_) timer_.start(msUntilNextPass());
}

}  // namespace mamori::agent::contentscan
