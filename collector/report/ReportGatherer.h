#pragma once
// Fills a FleetReport from the collector's store: counts from the overview's rollup (or, for one
// group, from that group's events), the lists from events of the period and the audit trail. Every
// list is bounded; a list that met its bound says so (the report prints "at least").

#include <cstdint>
#include <string>

#include "collector/report/FleetReport.h"
#include "collector/store/EventStore.h"
#include "common/Result.h"

namespace mamori::collector::report {

struct ReportRequest {
  std::string group;  // "" = every group
  ReportPeriod period;
  std::int64_t nowMs = 0;
  std::string generator;
  std::int64_t defaultHeartbeatIntervalMs = 60'000;
  std::int64_t silentAfterIntervals = 3;
};

// Events of one kind read for a list, at most; the counts by type are exact whatever this is.
inline constexpr std::size_t kMaxListedEvents = 20'000;
// Audit records read for the administrators' section, at most.
inline constexpr std::size_t kMaxAuditRecords = 20'000;
// Lines of a grouped list kept (the biggest first).
inline constexpr std::size_t kMaxListLines = 200;

// The reporting period: whole days at the offset, since inclusive, until exclusive, at most 400 days.
// The error names the field that is wrong (since, until, tz_offset_min).
common::Result<ReportPeriod> reportPeriod(std::int64_t sinceMs, std::int64_t untilMs, std::int64_t offsetMs);
// The last full week (Monday to Sunday at the offset) before nowMs: the weekly report's period.
ReportPeriod lastWeek(std::int64_t nowMs, std::int64_t offsetMs);

common::Result<FleetReport> gatherReport(store::EventStore& store, const ReportRequest& request);

}  // namespace mamori::collector::report
