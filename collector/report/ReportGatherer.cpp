#include "collector/report/ReportGatherer.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/JsonParser.h"

namespace mamori::collector::report {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kMaxRangeMs = 400 * kDayMs;

std::int64_t floorTo(std::int64_t value, std::int64_t step) { return value - (((value % step) + step) % step); }

// A detail of an event's JSON as text ("" when absent or not a string or number).
class Details {
 public:
  explicit Details(const std::string& json) {
    if (auto parsed = common::parseJsonStrict(json)) value_ = std::move(parsed.value());
  }
  std::string text(std::string_view key) const {
    const auto* found = value_.find(key);
    if (found == nullptr) return "";
    if (found->kind == common::JsonKind::kString || found->kind == common::JsonKind::kNumber) return found->text;
    return "";
  }

 private:
  common::JsonValue value_;
};

// What a device.blocked event was about, for people: the channel and the names the bus gives.
std::string deviceLabel(const Details& d) {
  const auto joined = [](std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& part : parts) {
      if (part.empty()) continue;
      out += (out.empty() ? "" : " ") + part;
    }
    return out;
  };
  const std::string bus = d.text("device.bus");
  if (bus == "mmc") return joined({"SD card", d.text("mmc.name"), d.text("mmc.serial")});
  if (bus == "pci") {
    return joined({"PCIe storage", d.text("pci.vendor_id") + ":" + d.text("pci.device_id"), d.text("pci.slot")});
  }
  const std::string ids = d.text("usb.vendor_id") + ":" + d.text("usb.product_id");
  if (ids == ":") {
    // Not a USB decision as docs/events.md describes it (an older agent, another sender): whatever
    // names the device.
    const std::string named = joined({d.text("device.name"), d.text("device.product")});
    return named.empty() ? "unnamed device" : named;
  }
  const std::string label = d.text("device.channel") == "phones" ? "Phone" : "USB";
  return joined({label, ids, d.text("usb.manufacturer"), d.text("usb.product")});
}

std::string programLabel(const std::string& type, const Details& d) {
  std::string program = d.text("process.executable");
  if (program.empty()) program = d.text("process.name");
  return program + (type == "p2p.exec_denied" ? " (refused before it ran)" : " (killed)");
}

// Reads the events of one type in the period (oldest first, at most kMaxListedEvents) and hands
// each one of the group to `take`. True when the bound was met.
template <typename Take>
common::Result<bool> eachEvent(store::EventStore& store, const std::string& type, const ReportPeriod& period,
                               const std::set<std::string>* agents, Take take) {
  store::EventQuery query;
  query.type = type;
  query.sinceMs = period.sinceMs;
  query.untilMs = period.untilMs;
  query.limit = 1000;
  std::size_t read = 0;
  while (true) {
    auto page = store.queryEvents(query);
    if (!page) return page.error();
    for (const auto& event : page.value().events) {
      if (agents == nullptr || agents->count(event.agentId) != 0) take(event);
    }
    read += page.value().events.size();
    if (!page.value().more || page.value().events.empty()) return false;
    if (read >= kMaxListedEvents) return true;
    query.afterId = page.value().events.back().id;
  }
}

// Occurrences keyed by host, user and subject, the most frequent first, at most kMaxListLines.
class Tally {
 public:
  void add(const store::EventRow& event, const std::string& user, const std::string& subject) {
    auto& entry = entries_[{event.host, user, subject}];
    entry.count += 1;
    entry.lastMs = std::max(entry.lastMs, event.timeMs);
  }
  std::vector<Occurrence> lines(bool& truncated) const {
    std::vector<Occurrence> out;
    for (const auto& [key, value] : entries_) {
      out.push_back(Occurrence{std::get<0>(key), std::get<1>(key), std::get<2>(key), value.count, value.lastMs});
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    if (out.size() > kMaxListLines) {
      out.resize(kMaxListLines);
      truncated = true;
    }
    return out;
  }

 private:
  struct Value {
    std::int64_t count = 0;
    std::int64_t lastMs = 0;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Value> entries_;
};

AdminLine adminLine(const audit::AuditEntry& entry) {
  return AdminLine{entry.timeMs,
                   entry.actor,
                   entry.address,
                   entry.action,
                   entry.target,
                   entry.result,
                   entry.detail.empty() ? entry.after : entry.detail};
}

common::Status addCounts(store::EventStore& store, const ReportRequest& request, FleetReport& report) {
  store::CountsQuery counts;
  counts.sinceMs = request.period.sinceMs;
  counts.untilMs = request.period.untilMs;
  counts.bucketMs = kDayMs;
  counts.offsetMs = request.period.offsetMs;
  counts.group = request.group;
  auto current = store.eventCounts(counts);
  if (!current) return current.error();
  for (std::int64_t day = request.period.sinceMs; day < request.period.untilMs; day += kDayMs) {
    report.days.push_back(DayCounts{day, {}});
  }
  std::map<std::pair<std::string, int>, TypeCount> types;
  for (const auto& bucket : current.value()) {
    const auto index = static_cast<std::size_t>((bucket.startMs - request.period.sinceMs) / kDayMs);
    if (bucket.startMs >= request.period.sinceMs && index < report.days.size() && bucket.severity >= 0 &&
        bucket.severity < static_cast<int>(kSeverities)) {
      report.days[index].bySeverity[static_cast<std::size_t>(bucket.severity)] += bucket.count;
    }
    auto& type = types[{bucket.type, bucket.severity}];
    type.type = bucket.type;
    type.severity = bucket.severity;
    type.count += bucket.count;
  }
  store::CountsQuery before = counts;
  before.sinceMs = report.previous.sinceMs;
  before.untilMs = report.previous.untilMs;
  auto previous = store.eventCounts(before);
  if (!previous) return previous.error();
  for (const auto& bucket : previous.value()) {
    auto& type = types[{bucket.type, bucket.severity}];
    type.type = bucket.type;
    type.severity = bucket.severity;
    type.previous += bucket.count;
  }
  for (auto& [key, type] : types) report.types.push_back(std::move(type));
  std::stable_sort(report.types.begin(), report.types.end(),
                   [](const TypeCount& a, const TypeCount& b) { return a.count > b.count; });

  auto hosts = store.topHosts(counts, 10);
  if (!hosts) return hosts.error();
  report.topHosts = std::move(hosts).value();
  auto users = store.topUsers(counts, 10);
  if (!users) return users.error();
  report.topUsers = std::move(users).value();
  return common::Ok{};
}

common::Status addAudit(store::EventStore& store, const ReportRequest& request, const std::set<std::string>* agents,
                        FleetReport& report) {
  std::map<std::string, ActionCount> actions;
  store::AuditQuery query;
  query.sinceMs = request.period.sinceMs;
  query.limit = 1000;
  std::size_t read = 0;
  bool done = false;
  while (!done) {
    auto page = store.listAudit(query);
    if (!page) return page.error();
    for (const auto& record : page.value()) {
      const auto& entry = record.entry;
      query.afterSeq = record.seq;
      if (entry.timeMs >= request.period.untilMs) {
        done = true;
        break;
      }
      auto& count = actions[entry.action];
      count.action = entry.action;
      const bool ok = entry.result == "ok";
      (ok ? count.ok : count.refused) += 1;
      if (!ok && report.adminRefused.size() < kMaxListLines) report.adminRefused.push_back(adminLine(entry));
      if (!ok || (entry.action != "exception.grant" && entry.action != "exception.request.approve")) continue;
      // An approved request names its PC: a group's report keeps only its own. An offline code
      // names only its challenge, so it is in every group's report.
      if (agents != nullptr && entry.target.rfind("request:", 0) == 0) {
        auto asked = store.exceptionRequest(entry.target.substr(8));
        if (!asked) return asked.error();
        if (!asked.value() || agents->count(asked.value()->agentId) == 0) continue;
      }
      if (report.exceptions.size() < kMaxListLines) report.exceptions.push_back(adminLine(entry));
    }
    read += page.value().size();
    if (page.value().size() < query.limit) done = true;
    if (!done && read >= kMaxAuditRecords) {
      report.adminTruncated = true;
      done = true;
    }
  }
  for (auto& [name, count] : actions) report.adminActions.push_back(count);
  std::stable_sort(report.adminActions.begin(), report.adminActions.end(),
                   [](const auto& a, const auto& b) { return a.ok + a.refused > b.ok + b.refused; });
  return common::Ok{};
}

}  // namespace

common::Result<ReportPeriod> reportPeriod(std::int64_t sinceMs, std::int64_t untilMs, std::int64_t offsetMs) {
  if (offsetMs % kHourMs != 0 || offsetMs < -12 * kHourMs || offsetMs > 14 * kHourMs) {
    return common::makeError("expected whole hours in minutes from -720 to 840 (540 for Japan)", "tz_offset_min");
  }
  ReportPeriod period;
  period.offsetMs = offsetMs;
  // Whole local days: since back to its midnight, until on to the next one.
  period.sinceMs = floorTo(sinceMs + offsetMs, kDayMs) - offsetMs;
  period.untilMs = floorTo(untilMs + offsetMs + kDayMs - 1, kDayMs) - offsetMs;
  if (period.sinceMs >= period.untilMs) return common::makeError("since must be before until", "since");
  if (period.untilMs - period.sinceMs > kMaxRangeMs) {
    return common::makeError("a report covers at most 400 days", "until");
  }
  return period;
}

ReportPeriod lastWeek(std::int64_t nowMs, std::int64_t offsetMs) {
  const std::int64_t today = floorTo(nowMs + offsetMs, kDayMs) / kDayMs;  // days since 1970-01-01, a Thursday
  const std::int64_t sinceMonday = ((today + 3) % 7 + 7) % 7;
  const std::int64_t thisMonday = today - sinceMonday;
  ReportPeriod period;
  period.offsetMs = offsetMs;
  period.sinceMs = (thisMonday - 7) * kDayMs - offsetMs;
  period.untilMs = thisMonday * kDayMs - offsetMs;
  return period;
}

common::Result<FleetReport> gatherReport(store::EventStore& store, const ReportRequest& request) {
  FleetReport report;
  report.group = request.group;
  report.period = request.period;
  report.previous = ReportPeriod{2 * request.period.sinceMs - request.period.untilMs, request.period.sinceMs,
                                 request.period.offsetMs};
  report.generatedMs = request.nowMs;
  report.generator = request.generator;

  auto agents = store.listAgents();
  if (!agents) return agents.error();
  std::set<std::string> members;
  for (const auto& agent : agents.value()) {
    if (!request.group.empty() && agent.group != request.group) continue;
    members.insert(agent.agentId);
    report.agents += 1;
    const std::int64_t interval =
        agent.heartbeatIntervalMs > 0 ? agent.heartbeatIntervalMs : request.defaultHeartbeatIntervalMs;
    if (request.nowMs - agent.lastSeenMs > request.silentAfterIntervals * interval) report.silent += 1;
  }
  const std::set<std::string>* only = request.group.empty() ? nullptr : &members;

  if (auto counted = addCounts(store, request, report); !counted) return counted.error();

  auto states = store.listIncidentStates();
  if (!states) return states.error();
  std::map<std::string, std::string> status;
  for (const auto& state : states.value()) status[state.incidentId] = state.status;
  auto incidents = eachEvent(store, "incident.opened", request.period, only, [&](const store::EventRow& event) {
    const Details details(event.detailsJson);
    std::string id = details.text("incident.id");
    if (id.empty()) id = event.id;
    std::string user = details.text("user.name");
    if (user.empty()) user = event.user;
    const auto known = status.find(id);
    report.incidents.push_back(IncidentLine{id, event.timeMs, event.host, user, details.text("incident.score"),
                                            known == status.end() ? "open" : known->second});
  });
  if (!incidents) return incidents.error();
  report.incidentsTruncated = incidents.value();
  std::reverse(report.incidents.begin(), report.incidents.end());
  if (report.incidents.size() > kMaxListLines) {
    report.incidents.resize(kMaxListLines);
    report.incidentsTruncated = true;
  }

  Tally devices;
  auto blocked = eachEvent(store, "device.blocked", request.period, only, [&](const store::EventRow& event) {
    const Details details(event.detailsJson);
    devices.add(event, event.user, deviceLabel(details));
  });
  if (!blocked) return blocked.error();
  report.deviceBlocksTruncated = blocked.value();
  report.deviceBlocks = devices.lines(report.deviceBlocksTruncated);

  Tally programs;
  for (const char* type : {"p2p.killed", "p2p.exec_denied"}) {
    auto stopped = eachEvent(store, type, request.period, only, [&](const store::EventRow& event) {
      const Details details(event.detailsJson);
      std::string user = details.text("user.name");
      if (user.empty()) user = event.user;
      programs.add(event, user, programLabel(type, details));
    });
    if (!stopped) return stopped.error();
    report.p2pStopsTruncated = report.p2pStopsTruncated || stopped.value();
  }
  report.p2pStops = programs.lines(report.p2pStopsTruncated);

  if (auto audited = addAudit(store, request, only, report); !audited) return audited.error();
  return report;
}

}  // namespace mamori::collector::report
