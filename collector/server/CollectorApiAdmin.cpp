// CollectorApi: the administrator's read side (GET /api/v1/events, /api/v1/agents, /metrics).

#include <string>

#include "collector/server/CollectorApi.h"
#include "collector/server/ContentSetStatus.h"
#include "common/Clock.h"
#include "common/Csv.h"
#include "common/Event.h"
#include "common/Uuid7.h"

namespace mamori::collector::server {

namespace {

constexpr std::size_t kMaxLimit = 10'000;
constexpr std::size_t kDefaultLimit = 1'000;
// One CSV export holds at most this many events (about 30 MB); narrower filters get the rest.
constexpr std::size_t kMaxCsvLimit = 100'000;

constexpr std::size_t kMaxDigits = 16;

// UTC "2026-11-23T02:48:03.123Z" or Unix milliseconds.
std::optional<std::int64_t> parseTime(const std::string& text) {
  if (auto ms = queryDigits(text, kMaxDigits)) return ms;
  return common::parseUtcMs(text);
}

// Events are rendered from their stored columns; details were stored as JSON text we wrote
// ourselves and go out unchanged, so a query never re-parses them.
void appendEvent(std::string& out, const store::EventRow& row) {
  const auto severity = static_cast<common::Severity>(row.severity);
  out += "{\"id\":" + jsonString(row.id) + ",\"type\":" + jsonString(row.type) +
         ",\"time\":" + jsonString(common::formatUtcMs(row.timeMs)) +
         ",\"severity\":" + jsonString(std::string(common::severityName(severity))) +
         ",\"agent_id\":" + jsonString(row.agentId) + ",\"host\":" + jsonString(row.host) +
         ",\"user\":" + jsonString(row.user) + ",\"details\":" + (row.detailsJson.empty() ? "{}" : row.detailsJson) +
         "}";
}

bool isSilent(const store::AgentRecord& agent, std::int64_t nowMs) {
  const std::int64_t interval = agent.heartbeatIntervalMs > 0 ? agent.heartbeatIntervalMs : kDefaultHeartbeatIntervalMs;
  return nowMs - agent.lastSeenMs > kSilentAfterIntervals * interval;
}

// The filters of GET /api/v1/events and /api/v1/events.csv; the 400 answer when one is wrong.
std::optional<ApiResponse> parseEventQuery(const ApiRequest& request, store::EventQuery& query,
                                           std::size_t defaultLimit, std::size_t maxLimit) {
  query.limit = defaultLimit;
  query.hideAdminEvents = true;
  for (const auto& [key, value] : request.query) {
    if (key == "agent") {
      query.agentId = value;
    } else if (key == "type") {
      query.type = value;
    } else if (key == "since" || key == "until") {
      const auto ms = parseTime(value);
      if (!ms) return jsonError(400, "expected UTC time like 2026-11-23T02:48:03.123Z or Unix milliseconds", key);
      (key == "since" ? query.sinceMs : query.untilMs) = *ms;
    } else if (key == "limit") {
      const auto limit = queryDigits(value, kMaxDigits, 1, static_cast<std::int64_t>(maxLimit));
      if (!limit) return jsonError(400, "expected a number from 1 to " + std::to_string(maxLimit), "limit");
      query.limit = static_cast<std::size_t>(*limit);
    } else if (key == "cursor") {
      if (!value.empty() && !common::isCanonicalUuid(value)) {
        return jsonError(400, "expected a next_cursor value from an earlier answer", "cursor");
      }
      query.afterId = value;
    } else if (key == "severity" || key == "severity_is") {
      const auto severity = common::parseSeverity(value);
      if (!severity) return jsonError(400, "expected info, low, medium, high or critical", key);
      (key == "severity" ? query.minSeverity : query.exactSeverity) = static_cast<int>(*severity);
    } else if (key == "user") {
      query.user = value;
    } else if (key == "host") {
      query.host = value;
    } else if (key == "q") {
      if (value.size() > 256) return jsonError(400, "expected at most 256 bytes", key);
      query.text = value;
    } else if (key == "order") {
      if (value != "asc" && value != "desc") return jsonError(400, "expected asc or desc", key);
      query.newestFirst = value == "desc";
    } else {
      return jsonError(
          400,
          "unknown query parameter (expected agent, type, severity, severity_is, host, user, q, since, until, "
          "limit, cursor, order)",
          key);
    }
  }
  return std::nullopt;
}

}  // namespace

ApiResponse CollectorApi::getEvents(const ApiRequest& request) {
  store::EventQuery query;
  if (auto bad = parseEventQuery(request, query, kDefaultLimit, kMaxLimit)) return *bad;
  auto page = store_.queryEvents(query);
  if (!page) return storageFailure(page.error());
  ApiResponse response;
  std::string& out = response.body;
  out.reserve(256 * page.value().events.size() + 64);
  out += "{\"events\":[";
  for (std::size_t i = 0; i < page.value().events.size(); ++i) {
    if (i != 0) out += ',';
    appendEvent(out, page.value().events[i]);
  }
  out += "],\"next_cursor\":";
  out += page.value().more && !page.value().events.empty() ? jsonString(page.value().events.back().id) : "null";
  out += "}";
  return response;
}

ApiResponse CollectorApi::getEventsCsv(const ApiRequest& request) {
  store::EventQuery query;
  if (auto bad = parseEventQuery(request, query, kMaxCsvLimit, kMaxCsvLimit)) return *bad;
  auto page = store_.queryEvents(query);
  if (!page) return storageFailure(page.error());
  ApiResponse response;
  response.contentType = "text/csv; charset=utf-8";
  std::string& out = response.body;
  out.reserve(300 * page.value().events.size() + 128);
  out += common::kCsvByteOrderMark;
  out += common::csvRow(common::eventCsvColumns());
  for (const auto& row : page.value().events) {
    out +=
        common::eventCsvRow({row.id, common::formatUtcMs(row.timeMs),
                             std::string(common::severityName(static_cast<common::Severity>(row.severity))), row.type,
                             row.agentId, row.host, row.user, row.detailsJson.empty() ? "{}" : row.detailsJson});
  }
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"mamori-events.csv\"");
  response.headers.emplace_back("Cache-Control", "no-store");
  // Whether the export was cut at the limit: the console says so beside its link.
  response.headers.emplace_back("X-Mamori-More", page.value().more ? "true" : "false");
  std::string target = "events";
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    target += (i == 0 ? "?" : "&") + request.query[i].first + "=" + request.query[i].second;
  }
  response.audit.target = target;
  response.audit.after = std::to_string(page.value().events.size()) + " events";
  return response;
}

ApiResponse CollectorApi::getAgents(const ApiRequest& /*request*/) {
  auto agents = store_.listAgents();
  if (!agents) return storageFailure(agents.error());
  const std::int64_t now = clock_.nowMs();
  ApiResponse response;
  std::string& out = response.body;
  out = "{\"agents\":[";
  bool first = true;
  for (const auto& agent : agents.value()) {
    if (!first) out += ',';
    first = false;
    out += "{\"agent_id\":" + jsonString(agent.agentId) + ",\"host\":" + jsonString(agent.host) +
           ",\"os\":" + jsonString(agent.os) + ",\"agent_version\":" + jsonString(agent.agentVersion) +
           ",\"enrolled_at\":" + jsonString(common::formatUtcMs(agent.enrolledAtMs)) +
           ",\"last_seen\":" + jsonString(common::formatUtcMs(agent.lastSeenMs)) +
           ",\"heartbeat_interval_ms\":" + std::to_string(agent.heartbeatIntervalMs) +
           ",\"silent\":" + (isSilent(agent, now) ? "true" : "false") +
           ",\"spool_events\":" + std::to_string(agent.spoolEvents) +
           ",\"event_count\":" + std::to_string(agent.eventCount) + ",\"group\":" + jsonString(agent.group) +
           ",\"policy\":{\"version\":" + std::to_string(agent.policy.version) +
           ",\"sha256\":" + jsonString(agent.policy.sha256) + ",\"source\":" + jsonString(agent.policy.source) +
           ",\"applied_at\":" +
           (agent.policy.appliedMs > 0 ? jsonString(common::formatUtcMs(agent.policy.appliedMs)) : "null") +
           ",\"error\":" + jsonString(agent.policy.error) + "},\"last_event\":" +
           (agent.lastEventMs > 0 ? "{\"time\":" + jsonString(common::formatUtcMs(agent.lastEventMs)) +
                                        ",\"type\":" + jsonString(agent.lastEventType) +
                                        ",\"user\":" + jsonString(agent.lastEventUser) + "}"
                                  : std::string("null")) +
           ",\"content_sets\":" + contentSetsJson(agent.contentSets) + "}";
  }
  out += "]}";
  return response;
}

ApiResponse CollectorApi::metricsText() {
  std::optional<std::int64_t> enrolled, silent;
  if (auto agents = store_.listAgents()) {
    const std::int64_t now = clock_.nowMs();
    enrolled = static_cast<std::int64_t>(agents.value().size());
    silent = 0;
    for (const auto& agent : agents.value()) *silent += isSilent(agent, now) ? 1 : 0;
  } else {
    metrics_.countStorageError();
  }
  ApiResponse response;
  response.contentType = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.render(enrolled, silent);
  return response;
}

}  // namespace mamori::collector::server
