// CollectorApi: GET /api/v1/overview, the console's first page (docs/api.md, docs/console.md):
// events per hour or day by type and severity, the hosts and users with the most high and critical
// events, open incidents and the fleet's health. The counts come from the database's hourly rollup
// (SqlEventStoreOverview.cpp), so the answer costs the same for a thousand events or ten million.

#include <Poco/JSON/Object.h>

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/Event.h"
#include "common/EventJson.h"

namespace mamori::collector::server {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kMaxHourRangeMs = 31 * kDayMs;  // 744 hourly buckets
constexpr std::int64_t kMaxDayRangeMs = 400 * kDayMs;
constexpr std::int64_t kDefaultRangeMs = 7 * kDayMs;
constexpr std::size_t kDefaultTop = 10;
constexpr std::size_t kMaxTop = 50;
// Incidents are rare; the overview looks at the newest this many and says when there are more.
constexpr std::size_t kMaxIncidents = 1000;
constexpr std::size_t kNewestIncidents = 5;

std::int64_t floorTo(std::int64_t value, std::int64_t step) {
  const std::int64_t rest = ((value % step) + step) % step;
  return value - rest;
}

std::string topJson(const std::vector<store::TopEntry>& entries) {
  std::string out = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i != 0) out += ',';
    out += "{\"name\":" + jsonString(entries[i].name) + ",\"high\":" + std::to_string(entries[i].high) +
           ",\"critical\":" + std::to_string(entries[i].critical) + "}";
  }
  return out + "]";
}

std::string detailText(const Poco::JSON::Object::Ptr& details, const char* key) {
  if (details.isNull() || !details->has(key)) return "";
  const auto value = details->get(key);
  if (value.isEmpty()) return "";
  return value.isString() ? value.extract<std::string>() : value.convert<std::string>();
}

}  // namespace

ApiResponse CollectorApi::getOverview(const ApiRequest& request) {
  std::optional<std::int64_t> since, until, offsetMinutes;
  std::string bucket;
  std::size_t top = kDefaultTop;
  for (const auto& [key, value] : request.query) {
    if (key == "since" || key == "until") {
      const auto ms = queryTimeMs(value);
      if (!ms) return jsonError(400, "expected UTC time like 2026-11-23T02:48:03.123Z or Unix milliseconds", key);
      (key == "since" ? since : until) = *ms;
    } else if (key == "bucket") {
      if (value != "hour" && value != "day") return jsonError(400, "expected hour or day", key);
      bucket = value;
    } else if (key == "tz_offset_min") {
      offsetMinutes = queryInteger(value, 4);
      if (!offsetMinutes || *offsetMinutes % 60 != 0 || *offsetMinutes < -720 || *offsetMinutes > 840) {
        return jsonError(400, "expected whole hours in minutes from -720 to 840 (540 for Japan)", key);
      }
    } else if (key == "top") {
      const auto count = queryInteger(value, 3);
      if (!count || *count < 1 || *count > static_cast<std::int64_t>(kMaxTop)) {
        return jsonError(400, "expected a number from 1 to 50", key);
      }
      top = static_cast<std::size_t>(*count);
    } else {
      return jsonError(400, "unknown query parameter (expected since, until, bucket, tz_offset_min, top)", key);
    }
  }
  const std::int64_t now = clock_.nowMs();
  // The rollup counts whole hours: the range widens to the hours that hold its ends.
  store::CountsQuery counts;
  counts.untilMs = floorTo(until.value_or(now) + kHourMs - 1, kHourMs);
  counts.sinceMs = floorTo(since.value_or(counts.untilMs - kDefaultRangeMs), kHourMs);
  if (counts.sinceMs >= counts.untilMs) return jsonError(400, "since must be before until", "since");
  const std::int64_t range = counts.untilMs - counts.sinceMs;
  if (bucket.empty()) bucket = range <= 2 * kDayMs ? "hour" : "day";
  counts.bucketMs = bucket == "hour" ? kHourMs : kDayMs;
  counts.offsetMs = offsetMinutes.value_or(0) * 60'000;
  if (bucket == "hour" && range > kMaxHourRangeMs) {
    return jsonError(400, "at most 31 days by the hour (ask for bucket=day)", "until");
  }
  if (range > kMaxDayRangeMs) return jsonError(400, "at most 400 days", "until");

  auto series = store_.eventCounts(counts);
  if (!series) return storageFailure(series.error());
  auto hosts = store_.topHosts(counts, top);
  if (!hosts) return storageFailure(hosts.error());
  auto users = store_.topUsers(counts, top);
  if (!users) return storageFailure(users.error());
  auto fleet = store_.fleetHealth(now, kDefaultHeartbeatIntervalMs, kSilentAfterIntervals);
  if (!fleet) return storageFailure(fleet.error());

  // Open incidents: incident.opened events (one per incident, found through the type index) less
  // those an administrator closed (PUT /api/v1/incidents/{id}).
  store::EventQuery opened;
  opened.type = "incident.opened";
  opened.newestFirst = true;
  opened.limit = kMaxIncidents;
  auto incidents = store_.queryEvents(opened);
  if (!incidents) return storageFailure(incidents.error());
  auto states = store_.listIncidentStates();
  if (!states) return storageFailure(states.error());
  std::int64_t open = 0, acknowledged = 0;
  std::string newest;
  std::size_t listed = 0;
  for (const auto& event : incidents.value().events) {
    Poco::JSON::Object::Ptr details;
    if (auto parsed = common::parseJson(event.detailsJson, "details");
        parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
      details = parsed.value().extract<Poco::JSON::Object::Ptr>();
    }
    std::string id = detailText(details, "incident.id");
    if (id.empty()) id = event.id;
    std::string status = "open";
    for (const auto& state : states.value()) {
      if (state.incidentId == id) status = state.status;
    }
    if (status == "closed") continue;
    (status == "acknowledged" ? acknowledged : open) += 1;
    if (listed++ >= kNewestIncidents) continue;
    std::string user = detailText(details, "user.name");
    if (user.empty()) user = event.user;
    if (!newest.empty()) newest += ',';
    newest += "{\"incident_id\":" + jsonString(id) + ",\"time\":" + jsonString(common::formatUtcMs(event.timeMs)) +
              ",\"host\":" + jsonString(event.host) + ",\"user\":" + jsonString(user) +
              ",\"score\":" + jsonString(detailText(details, "incident.score")) + ",\"status\":" + jsonString(status) +
              "}";
  }

  ApiResponse response;
  std::string& out = response.body;
  out = "{\"since\":" + jsonString(common::formatUtcMs(counts.sinceMs)) +
        ",\"until\":" + jsonString(common::formatUtcMs(counts.untilMs)) + ",\"bucket\":" + jsonString(bucket) +
        ",\"tz_offset_min\":" + std::to_string(counts.offsetMs / 60'000) + ",\"series\":[";
  for (std::size_t i = 0; i < series.value().size(); ++i) {
    const auto& row = series.value()[i];
    if (i != 0) out += ',';
    out +=
        "{\"start\":" + jsonString(common::formatUtcMs(row.startMs)) + ",\"type\":" + jsonString(row.type) +
        ",\"severity\":" + jsonString(std::string(common::severityName(static_cast<common::Severity>(row.severity)))) +
        ",\"count\":" + std::to_string(row.count) + "}";
  }
  const auto& f = fleet.value();
  out += "],\"top_hosts\":" + topJson(hosts.value()) + ",\"top_users\":" + topJson(users.value()) +
         ",\"fleet\":{\"agents\":" + std::to_string(f.agents) + ",\"online\":" + std::to_string(f.online) +
         ",\"silent\":" + std::to_string(f.silent) + ",\"policy_current\":" + std::to_string(f.policyCurrent) +
         ",\"policy_old\":" + std::to_string(f.policyOld) + ",\"policy_refused\":" + std::to_string(f.policyRefused) +
         ",\"policy_none\":" + std::to_string(f.policyNone) + "},\"incidents\":{\"open\":" + std::to_string(open) +
         ",\"acknowledged\":" + std::to_string(acknowledged) +
         ",\"more\":" + (incidents.value().more ? "true" : "false") + ",\"newest\":[" + newest + "]}}";
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace mamori::collector::server
