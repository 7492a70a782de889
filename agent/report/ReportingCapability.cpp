#include "agent/report/ReportingCapability.h"

namespace mamori::agent {

ReportingCapability::ReportingCapability(Spool& spool, Uploader& uploader, Heartbeat& heartbeat,
                                         RetryScheduler& scheduler, Overrides overrides)
    : spool_(spool),
      uploader_(uploader),
      heartbeat_(heartbeat),
      scheduler_(scheduler),
      overrides_(std::move(overrides)) {}

common::Status ReportingCapability::apply(const policy::Policy& policy) {
  const policy::ReportingSettings settings = overrides_ ? overrides_(policy.reporting) : policy.reporting;
  // The parser already range-checked every value (a Policy is always valid), so nothing here can
  // refuse; the spool applies its new bounds at the next append.
  SpoolLimits limits = spool_.limits();
  limits.maxEvents = settings.spoolMaxEvents;
  limits.maxBytes = settings.spoolMaxBytes;
  spool_.setLimits(limits);
  uploader_.setBatchLimits(settings.batchMaxEvents, settings.batchMaxBytes);
  heartbeat_.setInterval(settings.heartbeatIntervalMs);
  scheduler_.setSettings(common::BackoffSettings{settings.retryBaseMs, settings.retryCapMs});
  settings_ = settings;
  return common::Ok{};
}

}  // namespace mamori::agent
