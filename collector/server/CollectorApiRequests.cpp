// CollectorApi: employees' exception requests (docs/admin.md "Exception requests"). The agent sends
// the request for a blocked device with its node key; an administrator approves it for a window or
// refuses it with a note; an approval is the response code of the offline exception path
// (policy/DeviceException.h), signed here with the policy key, and reaches the agent with its next
// policy poll (exceptionAnswersJson).

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/Log.h"
#include "common/Utf8.h"
#include "common/Uuid7.h"
#include "policy/DeviceException.h"

namespace mamori::collector::server {

namespace {

constexpr std::string_view kRequestsPrefix = "/api/v1/exception-requests/";
constexpr std::string_view kApproveSuffix = "/approve";
constexpr std::string_view kRefuseSuffix = "/refuse";

std::optional<std::string> requestPathId(const std::string& path, std::string_view suffix) {
  if (path.size() <= kRequestsPrefix.size() + suffix.size() || path.rfind(kRequestsPrefix, 0) != 0 ||
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  std::string id = path.substr(kRequestsPrefix.size(), path.size() - kRequestsPrefix.size() - suffix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

// The field as a string of at most maxBytes of UTF-8 without control characters (newlines and tabs
// allowed when multiline), or the 400 answer. Missing: "" unless required.
std::optional<ApiResponse> textField(const Poco::JSON::Object::Ptr& object, const std::string& key, bool required,
                                     std::size_t maxBytes, bool multiline, std::string& out) {
  if (!object->has(key)) {
    if (required) return jsonError(400, "missing required field", "/" + key);
    return std::nullopt;
  }
  if (!object->get(key).isString()) return jsonError(400, "expected a string", "/" + key);
  out = object->getValue<std::string>(key);
  if (out.size() > maxBytes || !common::isValidUtf8(out)) {
    return jsonError(400, "expected at most " + std::to_string(maxBytes) + " bytes of UTF-8", "/" + key);
  }
  for (unsigned char c : out) {
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f) {
      return jsonError(400, "control characters are not allowed here", "/" + key);
    }
  }
  if (required && out.find_first_not_of(" \t\n") == std::string::npos) {
    return jsonError(400, "must not be empty", "/" + key);
  }
  return std::nullopt;
}

std::optional<ApiResponse> minutesField(const Poco::JSON::Object::Ptr& object, std::int64_t& out) {
  if (!object->has("minutes") || !object->get("minutes").isInteger()) {
    return jsonError(400, "expected a whole number of minutes", "/minutes");
  }
  out = object->getValue<std::int64_t>("minutes");
  if (out < 1 || out > policy::kMaxExceptionMinutes) {
    return jsonError(400, "expected 1 to " + std::to_string(policy::kMaxExceptionMinutes) + " minutes (a week)",
                     "/minutes");
  }
  return std::nullopt;
}

std::optional<ApiResponse> onlyFields(const Poco::JSON::Object::Ptr& object, std::initializer_list<const char*> known,
                                      const char* expected) {
  for (const auto& key : object->getNames()) {
    bool ok = false;
    for (const char* name : known) ok = ok || key == name;
    if (!ok) return jsonError(400, std::string("unknown field (expected ") + expected + ")", "/" + key);
  }
  return std::nullopt;
}

std::string stateNow(const store::ExceptionRequestRecord& record, std::int64_t pendingSinceMs) {
  if (record.state == "pending" && record.createdMs < pendingSinceMs) return "expired";
  return record.state;
}

std::string requestJson(const store::ExceptionRequestRecord& r, std::int64_t pendingSinceMs) {
  std::string out = "{\"id\":" + jsonString(r.id) + ",\"agent_id\":" + jsonString(r.agentId) +
                    ",\"host\":" + jsonString(r.host) + ",\"user\":" + jsonString(r.user) +
                    ",\"device_id\":" + jsonString(r.deviceId) + ",\"device_name\":" + jsonString(r.deviceName) +
                    ",\"challenge\":" + jsonString(r.challenge) + ",\"reason\":" + jsonString(r.reason) +
                    ",\"minutes_asked\":" + std::to_string(r.minutesAsked) +
                    ",\"state\":" + jsonString(stateNow(r, pendingSinceMs)) +
                    ",\"created_at\":" + jsonString(common::formatUtcMs(r.createdMs));
  if (r.state != "pending") {
    out += ",\"decided_at\":" + jsonString(common::formatUtcMs(r.decidedMs)) +
           ",\"decided_by\":" + jsonString(r.decidedBy) + ",\"minutes\":" + std::to_string(r.minutes) +
           ",\"note\":" + jsonString(r.note);
  }
  return out + "}";
}

common::Uuid7Generator& requestIds() {
  static common::Uuid7Generator ids;
  return ids;
}

}  // namespace

std::optional<std::string> requestApprovePathId(const std::string& path) { return requestPathId(path, kApproveSuffix); }
std::optional<std::string> requestRefusePathId(const std::string& path) { return requestPathId(path, kRefuseSuffix); }

std::int64_t CollectorApi::pendingSinceMs() const { return clock_.nowMs() - kRequestPendingMs; }

ApiResponse CollectorApi::postExceptionRequest(const ApiRequest& request) {
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) return *answer;
  const std::string& agentId = std::get<std::string>(agent);
  if (!config_.policyKey) return jsonError(503, "the collector has no policy signing key", "exception request");
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto parsed = jsonObject(std::get<std::string>(body));
  if (auto* answer = std::get_if<ApiResponse>(&parsed)) return *answer;
  const auto object = std::get<Poco::JSON::Object::Ptr>(parsed);
  if (auto bad = onlyFields(object, {"host", "user", "device_id", "device_name", "challenge", "reason", "minutes"},
                            "host, user, device_id, device_name, challenge, reason, minutes")) {
    return *bad;
  }
  store::ExceptionRequestRecord record;
  record.agentId = agentId;
  for (const auto& [key, max, multiline, required, out] :
       {std::tuple{"host", kMaxRequestNameBytes, false, false, &record.host},
        std::tuple{"user", kMaxRequestNameBytes, false, true, &record.user},
        std::tuple{"device_id", kMaxRequestNameBytes, false, true, &record.deviceId},
        std::tuple{"device_name", kMaxRequestNameBytes, false, false, &record.deviceName},
        std::tuple{"challenge", kMaxRequestNameBytes, false, true, &record.challenge},
        std::tuple{"reason", kMaxRequestReasonBytes, true, true, &record.reason}}) {
    if (auto bad = textField(object, key, required, max, multiline, *out)) return *bad;
  }
  // The challenge names the agent it was made for (its first eight hex digits): an agent asks only
  // for its own devices.
  if (!policy::isExceptionChallenge(record.challenge)) return jsonError(400, "not a challenge code", "/challenge");
  if (record.challenge.compare(0, 8, common::sha256Hex(agentId).substr(0, 8)) != 0) {
    return jsonError(422, "the challenge was made for another agent", "/challenge");
  }
  if (auto bad = minutesField(object, record.minutesAsked)) return *bad;
  record.createdMs = clock_.nowMs();
  record.id = requestIds().next(record.createdMs);
  auto added = store_.addExceptionRequest(record, kMaxPendingRequestsPerAgent, pendingSinceMs());
  if (!added) return storageFailure(added.error());
  using Outcome = store::AddRequestResult::Outcome;
  if (added.value().outcome == Outcome::kTooMany) {
    return jsonError(429,
                     "this PC has " + std::to_string(added.value().pending) +
                         " requests waiting for an answer already (at most " +
                         std::to_string(kMaxPendingRequestsPerAgent) + ")",
                     "exception request");
  }
  ApiResponse response;
  if (added.value().outcome == Outcome::kAdded) {
    response.status = 201;
    common::log::info("exception request " + added.value().id + " from agent " + agentId + " for device " +
                      record.deviceId);
  }
  response.body = "{\"id\":" + jsonString(added.value().id) +
                  ",\"state\":\"pending\",\"pending\":" + std::to_string(added.value().pending) + "}";
  return response;
}

ApiResponse CollectorApi::getExceptionRequests(const ApiRequest& request) {
  store::ExceptionRequestQuery query;
  for (const auto& [key, value] : request.query) {
    if (key == "agent") {
      query.agentId = value;
    } else if (key == "limit") {
      char* end = nullptr;
      const long long limit = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || limit < 1 || limit > 1000) {
        return jsonError(400, "expected a whole number from 1 to 1000", "limit");
      }
      query.limit = static_cast<std::size_t>(limit);
    } else {
      return jsonError(400, "unknown query parameter (expected agent, limit)", key);
    }
  }
  auto requests = store_.listExceptionRequests(query);
  if (!requests) return storageFailure(requests.error());
  const std::int64_t since = pendingSinceMs();
  ApiResponse response;
  response.body = "{\"requests\":[";
  for (std::size_t i = 0; i < requests.value().size(); ++i) {
    if (i != 0) response.body += ',';
    response.body += requestJson(requests.value()[i], since);
  }
  response.body += "],\"pending_hours\":" + std::to_string(kRequestPendingMs / 3'600'000) + "}";
  return response;
}

ApiResponse CollectorApi::approveExceptionRequest(const ApiRequest& request, const std::string& id) {
  return decideExceptionRequest(request, id, true);
}

ApiResponse CollectorApi::refuseExceptionRequest(const ApiRequest& request, const std::string& id) {
  return decideExceptionRequest(request, id, false);
}

ApiResponse CollectorApi::decideExceptionRequest(const ApiRequest& request, const std::string& id, bool approve) {
  std::string before;
  const auto noted = [&](ApiResponse response, const std::string& after = {}) {
    response.audit.target = "request:" + id;
    response.audit.before = before;
    response.audit.after = after;
    return response;
  };
  if (!common::isCanonicalUuid(id)) return noted(jsonError(404, "no such exception request", "id"));
  if (!config_.policyKey) return noted(jsonError(503, "the collector has no policy signing key", "exception request"));
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return noted(*answer);
  auto parsed = jsonObject(std::get<std::string>(body));
  if (auto* answer = std::get_if<ApiResponse>(&parsed)) return noted(*answer);
  const auto object = std::get<Poco::JSON::Object::Ptr>(parsed);
  store::ExceptionRequestRecord decision;
  decision.id = id;
  if (approve) {
    if (auto bad = onlyFields(object, {"minutes", "note"}, "minutes, note")) return noted(*bad);
    if (auto bad = minutesField(object, decision.minutes)) return noted(*bad);
    if (auto bad = textField(object, "note", false, kMaxRequestReasonBytes, true, decision.note)) return noted(*bad);
  } else {
    if (auto bad = onlyFields(object, {"note"}, "note")) return noted(*bad);
    if (auto bad = textField(object, "note", true, kMaxRequestReasonBytes, true, decision.note)) return noted(*bad);
  }
  auto current = store_.exceptionRequest(id);
  if (!current) return noted(storageFailure(current.error()));
  if (!current.value()) return noted(jsonError(404, "no such exception request", "id"));
  const auto& asked = *current.value();
  const std::int64_t since = pendingSinceMs();
  before = stateNow(asked, since) + ": " + asked.deviceName + " (" + asked.deviceId + ") for " + asked.user + " on " +
           asked.host;
  decision.state = approve ? "approved" : "refused";
  decision.decidedBy = actorName(request);
  decision.decidedMs = clock_.nowMs();
  if (approve) {
    auto response = policy::signExceptionResponse(*config_.policyKey, asked.challenge, decision.minutes);
    if (!response) return noted(jsonError(500, "cannot sign the response: " + response.error().message, "policy key"));
    decision.response = response.value();
  }
  auto decided = store_.decideExceptionRequest(decision, since);
  if (!decided) return noted(storageFailure(decided.error()));
  if (decided.value() == store::DecideOutcome::kNotFound)
    return noted(jsonError(404, "no such exception request", "id"));
  if (decided.value() == store::DecideOutcome::kNotPending) {
    return noted(jsonError(
        409, "the request is " + stateNow(asked, since) + " already; only a pending request can be answered", "id"));
  }
  const std::string after = approve ? "approved for " + std::to_string(decision.minutes) + " minutes" +
                                          (decision.note.empty() ? "" : ": " + decision.note)
                                    : "refused: " + decision.note;
  common::log::info("exception request " + id + " " + after + " by " + decision.decidedBy);
  store::ExceptionRequestRecord stored = asked;
  stored.state = decision.state;
  stored.decidedBy = decision.decidedBy;
  stored.decidedMs = decision.decidedMs;
  stored.minutes = decision.minutes;
  stored.note = decision.note;
  ApiResponse response;
  response.body = requestJson(stored, since);
  return noted(std::move(response), after);
}

common::Result<std::string> CollectorApi::exceptionAnswersJson(const std::string& agentId) {
  store::ExceptionRequestQuery query;
  query.agentId = agentId;
  query.decidedSinceMs = clock_.nowMs() - kAnswerDeliveryMs;
  query.limit = kMaxPendingRequestsPerAgent * 4;
  auto answers = store_.listExceptionRequests(query);
  if (!answers) return answers.error();
  std::string out = "[";
  for (const auto& r : answers.value()) {
    if (out.size() > 1) out += ',';
    out += "{\"id\":" + jsonString(r.id) + ",\"challenge\":" + jsonString(r.challenge) +
           ",\"device_id\":" + jsonString(r.deviceId) + ",\"state\":" + jsonString(r.state) +
           ",\"minutes\":" + std::to_string(r.minutes) + ",\"note\":" + jsonString(r.note) +
           ",\"decided_by\":" + jsonString(r.decidedBy) + ",\"response\":" + jsonString(r.response) + "}";
  }
  return out + "]";
}

}  // namespace mamori::collector::server
