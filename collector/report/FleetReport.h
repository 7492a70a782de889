#pragma once
// The fleet report an IT security team files every week (docs/admin.md "Reports"): for one period and
// one group (or the whole fleet), counts and their trend against the period before, incidents,
// blocked devices, stopped P2P programs, exceptions granted and administrators' actions. This header
// is the report's content only; ReportGatherer fills it from the store, ReportRender writes it as a
// self-contained HTML page or as CSV. Pure: no I/O, tested with values.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/store/EventStore.h"

namespace mamori::collector::report {

// Severities as common::Severity numbers them: info, low, medium, high, critical.
inline constexpr std::size_t kSeverities = 5;

struct ReportPeriod {
  std::int64_t sinceMs = 0;   // inclusive, local midnight
  std::int64_t untilMs = 0;   // exclusive
  std::int64_t offsetMs = 0;  // the UTC offset the days are cut at (540 min for Japan)
};

// Events of one day by severity.
struct DayCounts {
  std::int64_t startMs = 0;
  std::array<std::int64_t, kSeverities> bySeverity{};
};

// Events of one type and severity in the period and in the period before it.
struct TypeCount {
  std::string type;
  int severity = 0;
  std::int64_t count = 0;
  std::int64_t previous = 0;
};

// A host or user with its high and critical events in the period: the store's ranking as it is.
using RankedName = store::TopEntry;

struct IncidentLine {
  std::string id;
  std::int64_t timeMs = 0;
  std::string host;
  std::string user;
  std::string score;
  std::string status;  // open, acknowledged, closed
};

// Events of one kind grouped by host and what they were about (a device, a program): how many, the
// last one, who was signed in then.
struct Occurrence {
  std::string host;
  std::string user;
  std::string subject;  // "USB 0781:5581 SanDisk Ultra", "/home/a/bin/ctorrent (exec refused)"
  std::int64_t count = 0;
  std::int64_t lastMs = 0;
};

struct AdminLine {
  std::int64_t timeMs = 0;
  std::string actor;
  std::string address;
  std::string action;
  std::string target;
  std::string result;
  std::string detail;
};

struct ActionCount {
  std::string action;
  std::int64_t ok = 0;
  std::int64_t refused = 0;
};

struct FleetReport {
  std::string group;  // "" = every group
  ReportPeriod period;
  ReportPeriod previous;  // the period of the same length just before
  std::int64_t generatedMs = 0;
  std::string generator;  // "mamori-collector 0.9.0"

  std::int64_t agents = 0;  // enrolled agents in the group now
  std::int64_t silent = 0;  // of them, not heard from for three heartbeat intervals

  std::vector<DayCounts> days;   // every day of the period, empty days included
  std::vector<TypeCount> types;  // by count, then type and severity
  std::vector<RankedName> topHosts;
  std::vector<RankedName> topUsers;

  std::vector<IncidentLine> incidents;  // opened in the period, newest first
  std::vector<Occurrence> deviceBlocks;
  std::vector<Occurrence> p2pStops;
  std::vector<AdminLine> exceptions;  // granted codes and approved requests (audit trail)
  std::vector<ActionCount> adminActions;
  std::vector<AdminLine> adminRefused;  // refused administrative actions and failed sign-ins

  // Where a list met its bound and stopped: the report then says "at least".
  bool incidentsTruncated = false;
  bool deviceBlocksTruncated = false;
  bool p2pStopsTruncated = false;
  bool adminTruncated = false;

  std::int64_t total() const;
  std::int64_t previousTotal() const;
  std::int64_t highAndCritical() const;  // severity high or critical
  std::int64_t previousHighAndCritical() const;
};

// "+12%", "-40%", "new" (nothing before), "0%"; "" when both are zero.
std::string trend(std::int64_t now, std::int64_t before);

// "2026-11-30" for the local day that starts at startMs (offsetMs east of UTC).
std::string localDate(std::int64_t startMs, std::int64_t offsetMs);

}  // namespace mamori::collector::report
