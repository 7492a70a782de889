#include "collector/server/CollectorApi.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>

#include "collector/server/ContentSetStatus.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Gzip.h"
#include "common/Log.h"
#include "common/Utf8.h"
#include "common/Uuid7.h"

namespace mamori::collector::server {

namespace {

constexpr std::size_t kMaxEnrollField = 256;

ApiResponse unauthorized(const std::string& what) {
  ApiResponse response = jsonError(401, what, "Authorization");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "application/json; charset=utf-8" -> "application/json"
std::string mediaType(const std::string& contentType) {
  std::string type = contentType.substr(0, contentType.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  return lower(type);
}

// The heartbeat's details value as a non-negative integer, if it is one.
std::optional<std::int64_t> detailInteger(const Poco::JSON::Object::Ptr& details, const std::string& key) {
  if (details.isNull() || !details->has(key)) return std::nullopt;
  const auto value = details->get(key);
  if (!value.isNumeric()) return std::nullopt;
  try {
    const double number = value.convert<double>();
    if (number < 0 || number > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(number);
  } catch (...) {  // a numeric Var that does not convert is simply not reported
    return std::nullopt;
  }
}

std::string detailString(const Poco::JSON::Object::Ptr& details, const std::string& key) {
  if (details.isNull() || !details->has(key)) return {};
  const auto value = details->get(key);
  return value.isString() ? value.extract<std::string>() : std::string();
}

// The policy.* details of a heartbeat (docs/events.md), when it carries them.
std::optional<store::AgentPolicyStatus> heartbeatPolicyStatus(const Poco::JSON::Object::Ptr& details) {
  const auto version = detailInteger(details, "policy.version");
  if (!version) return std::nullopt;
  store::AgentPolicyStatus status;
  status.version = *version;
  status.sha256 = detailString(details, "policy.sha256");
  status.source = detailString(details, "policy.source");
  status.error = detailString(details, "policy.error");
  status.appliedMs = common::parseUtcMs(detailString(details, "policy.applied_at")).value_or(0);
  return status;
}

}  // namespace

const char* endpointFor(const std::string& path) {
  if (path == "/api/v1/enroll") return "enroll";
  if (path == "/api/v1/events") return "events";
  if (path == "/api/v1/heartbeat") return "heartbeat";
  if (path == "/api/v1/agents") return "agents";
  if (path == "/api/v1/events.csv") return "events_csv";
  if (path == "/api/v1/overview") return "overview";
  if (path == "/api/v1/report" || path == "/api/v1/reports" || storedReportPathName(path)) return "reports";
  if (path == "/api/v1/policy") return "policy";
  if (path == "/api/v1/policies") return "policies";
  if (path == "/api/v1/exceptions") return "exceptions";
  if (path == "/api/v1/exception-requests" || requestApprovePathId(path) || requestRefusePathId(path)) {
    return "exception_requests";
  }
  if (path == "/api/v1/session") return "session";
  if (path == "/api/v1/audit") return "audit";
  if (path == "/api/v1/incidents" || incidentPathId(path)) return "incidents";
  if (path == "/api/v1/policies/validate") return "policy_validate";
  if (agentGroupPathId(path)) return "agent_group";
  if (path == "/api/v1/inspections" || inspectionPathId(path)) return "inspections";
  if (path == "/healthz") return "healthz";
  if (path == "/metrics") return "metrics";
  if (path.rfind("/api/", 0) != 0) return "console";
  return "other";
}

std::string bearerToken(const std::string& authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() || lower(authorization.substr(0, kScheme.size())) != kScheme) return {};
  std::string token = authorization.substr(kScheme.size());
  token.erase(0, token.find_first_not_of(' '));
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return token;
}

CollectorApi::CollectorApi(store::EventStore& store, Metrics& metrics, const common::Clock& clock, ApiConfig config)
    : store_(store), metrics_(metrics), clock_(clock), config_(std::move(config)) {}

namespace {

using PlainHandler = ApiResponse (CollectorApi::*)(const ApiRequest&);
using ParamHandler = ApiResponse (CollectorApi::*)(const ApiRequest&, const std::string&);

// The path parameter of a route with one ("/api/v1/agents/{agent_id}/group"), or nullopt.
using PathMatcher = std::optional<std::string> (*)(const std::string&);

}  // namespace

// The one route table: handle() dispatches with it, apiRoutes() shows it to tests and
// `mamori-collector routes`. Reasons for not auditing are part of the table so nobody adds a route
// without deciding.
struct CollectorApi::Route {
  RouteInfo info;
  PlainHandler handler = nullptr;
  ParamHandler paramHandler = nullptr;
  PathMatcher match = nullptr;  // nullptr: the pattern is the exact path
};

const std::vector<CollectorApi::Route>& CollectorApi::routeTable() {
  constexpr const char* kAgentCall = "an agent's own call, authenticated by its node key or the enroll secret";
  constexpr const char* kRoutineRead =
      "a routine read any console role may make; the console repeats it every few seconds";
  static const std::vector<Route> kRoutes = {
      {{"POST", "/api/v1/enroll", Access::kAgent, nullptr, kAgentCall}, &CollectorApi::enroll},
      {{"POST", "/api/v1/events", Access::kAgent, nullptr, kAgentCall}, &CollectorApi::postEvents},
      {{"GET", "/api/v1/events", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getEvents},
      {{"POST", "/api/v1/heartbeat", Access::kAgent, nullptr, kAgentCall}, &CollectorApi::heartbeat},
      // A bulk copy of what the PCs reported leaves the collector: who took it is recorded.
      {{"GET", "/api/v1/events.csv", Access::kReader, "events.export", nullptr}, &CollectorApi::getEventsCsv},
      {{"GET", "/api/v1/agents", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getAgents},
      {{"GET", "/api/v1/overview", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getOverview},
      // Reports hold who did what on which PC: who took one is recorded, like the events export.
      {{"GET", "/api/v1/report", Access::kReader, "report.export", nullptr}, &CollectorApi::getReport},
      {{"GET", "/api/v1/reports", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getReports},
      {{"GET", "/api/v1/reports/{name}", Access::kReader, "report.read", nullptr},
       nullptr,
       &CollectorApi::getStoredReport,
       &storedReportPathName},
      {{"GET", "/api/v1/policy", Access::kAgent, nullptr, kAgentCall}, &CollectorApi::getPolicy},
      {{"GET", "/api/v1/policies", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getPolicies},
      {{"GET", "/api/v1/policy-key", Access::kReader, nullptr,
        "a public key, which every agent receives at enrollment; nothing secret leaves"},
       &CollectorApi::getPolicyKey},
      {{"POST", "/api/v1/policies", Access::kAdministrator, "policy.push", nullptr}, &CollectorApi::postPolicy},
      {{"POST", "/api/v1/exceptions", Access::kAdministrator, "exception.grant", nullptr},
       &CollectorApi::postException},
      // Employees' requests for a blocked device (docs/admin.md "Exception requests").
      {{"POST", "/api/v1/exception-requests", Access::kAgent, nullptr, kAgentCall},
       &CollectorApi::postExceptionRequest},
      {{"GET", "/api/v1/exception-requests", Access::kReader, nullptr, kRoutineRead},
       &CollectorApi::getExceptionRequests},
      {{"POST", "/api/v1/exception-requests/{id}/approve", Access::kAdministrator, "exception.request.approve",
        nullptr},
       nullptr,
       &CollectorApi::approveExceptionRequest,
       &requestApprovePathId},
      {{"POST", "/api/v1/exception-requests/{id}/refuse", Access::kAdministrator, "exception.request.refuse", nullptr},
       nullptr,
       &CollectorApi::refuseExceptionRequest,
       &requestRefusePathId},
      {{"POST", "/api/v1/inspections", Access::kAdministrator, "inspection.upload", nullptr},
       &CollectorApi::postInspection},
      {{"GET", "/api/v1/inspections", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getInspections},
      {{"POST", "/api/v1/session", Access::kSignIn, "session.signin", nullptr}, &CollectorApi::postSession},
      {{"GET", "/api/v1/session", Access::kReader, nullptr, "the console asks who is signed in on every page load"},
       &CollectorApi::getSession},
      {{"DELETE", "/api/v1/session", Access::kReader, "session.signout", nullptr}, &CollectorApi::deleteSession},
      {{"POST", "/api/v1/policies/validate", Access::kReader, nullptr,
        "changes nothing: the console checks a draft policy as it is typed"},
       &CollectorApi::validatePolicy},
      {{"GET", "/api/v1/incidents", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getIncidents},
      {{"GET", "/api/v1/audit", Access::kAdministrator, "audit.read", nullptr}, &CollectorApi::getAudit},
      {{"PUT", "/api/v1/agents/{agent_id}/group", Access::kAdministrator, "agent.group.set", nullptr},
       nullptr,
       &CollectorApi::putAgentGroup,
       &agentGroupPathId},
      // One PC's inspection findings: a sensitive document, so who downloaded it is recorded.
      {{"GET", "/api/v1/inspections/{id}", Access::kReader, "inspection.read", nullptr},
       nullptr,
       &CollectorApi::getInspection,
       &inspectionPathId},
      {{"PUT", "/api/v1/incidents/{incident_id}", Access::kAdministrator, "incident.update", nullptr},
       nullptr,
       &CollectorApi::putIncident,
       &incidentPathId},
      // Fingerprint sets (docs/admin.md "Register company documents"): the key hashes what agents scan.
      {{"GET", "/api/v1/fingerprint-key", Access::kAdministrator, "fingerprint.key.read", nullptr},
       &CollectorApi::getFingerprintKey},
      {{"POST", "/api/v1/fingerprints", Access::kAdministrator, "fingerprint.add", nullptr},
       &CollectorApi::postFingerprints},
      {{"GET", "/api/v1/fingerprints", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getFingerprintSets},
      {{"GET", "/api/v1/fingerprints/{set}/artifact", Access::kAdministrator, "fingerprint.export", nullptr},
       nullptr,
       &CollectorApi::getFingerprintArtifact,
       &fingerprintArtifactPathName},
      {{"GET", "/api/v1/fingerprints/{set}", Access::kReader, nullptr, kRoutineRead},
       nullptr,
       &CollectorApi::getFingerprintSet,
       &fingerprintSetPathName},
      {{"DELETE", "/api/v1/fingerprints/{set}", Access::kAdministrator, "fingerprint.remove", nullptr},
       nullptr,
       &CollectorApi::deleteFingerprintSet,
       &fingerprintSetPathName},
      {{"GET", "/api/v1/fingerprint-artifacts/{set}", Access::kAgent, nullptr, kAgentCall},
       nullptr,
       &CollectorApi::getAgentFingerprintArtifact,
       &agentArtifactPathName},
      // Exact-data-match sets (docs/admin.md "Register a customer table"): keyed row hashes only.
      {{"POST", "/api/v1/edm", Access::kAdministrator, "edm.add", nullptr}, &CollectorApi::postEdm},
      {{"GET", "/api/v1/edm", Access::kReader, nullptr, kRoutineRead}, &CollectorApi::getEdmSets},
      {{"GET", "/api/v1/edm/{set}/artifact", Access::kAdministrator, "edm.export", nullptr},
       nullptr,
       &CollectorApi::getEdmArtifact,
       &edmArtifactPathName},
      {{"GET", "/api/v1/edm/{set}", Access::kReader, nullptr, kRoutineRead},
       nullptr,
       &CollectorApi::getEdmSet,
       &edmSetPathName},
      {{"DELETE", "/api/v1/edm/{set}", Access::kAdministrator, "edm.remove", nullptr},
       nullptr,
       &CollectorApi::deleteEdmSet,
       &edmSetPathName},
      {{"GET", "/api/v1/edm-artifacts/{set}", Access::kAgent, nullptr, kAgentCall},
       nullptr,
       &CollectorApi::getAgentEdmArtifact,
       &agentEdmArtifactPathName},
  };
  return kRoutes;
}

std::vector<RouteInfo> apiRoutes() {
  std::vector<RouteInfo> routes;
  for (const auto& route : CollectorApi::routeTable()) routes.push_back(route.info);
  return routes;
}

const char* accessName(Access access) {
  switch (access) {
    case Access::kAgent: return "agent";
    case Access::kSignIn: return "sign-in";
    case Access::kReader: return "reader";
    case Access::kAdministrator: return "administrator";
  }
  return "?";
}

ApiResponse CollectorApi::handle(const ApiRequest& request) {
  ApiResponse response;
  const Route* route = nullptr;
  std::string parameter;
  bool pathKnown = false;
  std::string allowed;
  for (const auto& candidate : routeTable()) {
    std::optional<std::string> matched;
    if (candidate.match != nullptr) {
      matched = candidate.match(request.path);
    } else if (request.path == candidate.info.pattern) {
      matched = std::string();
    }
    if (!matched) continue;
    pathKnown = true;
    allowed += allowed.empty() ? candidate.info.method : std::string(", ") + candidate.info.method;
    if (request.method == candidate.info.method) {
      route = &candidate;
      parameter = std::move(*matched);
      break;
    }
  }
  bool answered = false;
  if (route != nullptr) {
    answered = true;
    std::string actor;
    std::optional<ApiResponse> denied;
    if (route->info.access == Access::kReader || route->info.access == Access::kAdministrator) {
      denied = authorize(request, route->info.access == Access::kAdministrator, actor);
    }
    if (denied) {
      response = std::move(*denied);
    } else if (route->paramHandler != nullptr) {
      response = (this->*route->paramHandler)(request, parameter);
    } else {
      response = (this->*route->handler)(request);
    }
    if (route->info.auditAction != nullptr) {
      recordAudit(request, route->info, actor, response);
    } else if (denied && denied->status == 401 && !request.authorization.empty()) {
      // Not audited when allowed, but a wrong admin token is a failed sign-in wherever it is tried.
      static const RouteInfo kRefusedToken{"", "", Access::kReader, "auth.refused", nullptr};
      ApiResponse noted = response;
      noted.audit.target = request.method + " " + route->info.pattern;
      recordAudit(request, kRefusedToken, actor, noted);
    }
  }
  if (!answered && (request.path == "/healthz" || request.path == "/metrics")) {
    pathKnown = true;
    allowed = "GET";
    if (request.method == "GET" || request.method == "HEAD") {
      response = request.path == "/healthz" ? healthz() : metricsText();
      answered = true;
    }
  }
  if (!answered && !pathKnown && request.path.rfind("/api/", 0) != 0) {
    pathKnown = true;
    allowed = "GET";
    if (request.method == "GET" || request.method == "HEAD") {
      response = serveConsole(request);
      answered = true;
    }
  }
  if (!answered) {
    if (pathKnown) {
      response =
          jsonError(405, "method " + request.method + " is not allowed here (allowed: " + allowed + ")", request.path);
      response.headers.emplace_back("Allow", allowed);
    } else {
      response = jsonError(404, "no such endpoint", request.path);
    }
  }
  response.endpoint = endpointFor(request.path);
  metrics_.countRequest(response.endpoint, response.status);
  return response;
}

ApiResponse CollectorApi::storageFailure(const common::Error& error) {
  metrics_.countStorageError();
  common::log::error("storage failure: " + error.describe());
  ApiResponse response = jsonError(503, "storage unavailable, retry later: " + error.message, "database");
  response.headers.emplace_back("Retry-After", retryAfterSeconds(config_.retryAfter));
  return response;
}

std::variant<std::string, ApiResponse> CollectorApi::authenticateAgent(const ApiRequest& request) {
  const std::string token = bearerToken(request.authorization);
  if (token.empty()) return unauthorized("missing node key (Authorization: Bearer <node_key>)");
  auto agent = store_.agentForKey(common::sha256Hex(token));
  if (!agent) return storageFailure(agent.error());
  if (!agent.value()) return unauthorized("unknown node key (enroll again)");
  return *agent.value();
}

std::variant<std::string, ApiResponse> CollectorApi::readJsonBody(const ApiRequest& request) {
  if (mediaType(request.contentType) != "application/json") {
    return jsonError(415, "Content-Type must be application/json, not \"" + request.contentType + "\"", "Content-Type");
  }
  const std::string encoding = lower(request.contentEncoding);
  if (!encoding.empty() && encoding != "identity" && encoding != "gzip") {
    return jsonError(415, "Content-Encoding must be gzip or absent, not \"" + request.contentEncoding + "\"",
                     "Content-Encoding");
  }
  const std::string limitText = std::to_string(config_.maxBodyBytes) + " bytes";
  if (request.contentLength && *request.contentLength > static_cast<std::int64_t>(config_.maxBodyBytes)) {
    return jsonError(
        413, "body of " + std::to_string(*request.contentLength) + " bytes is over the limit of " + limitText, "body");
  }
  if (!request.readBody) return jsonError(400, "no body", "body");
  BodyRead read = request.readBody(config_.maxBodyBytes);
  if (read.failed) return jsonError(400, "the connection broke while the body was sent", "body");
  if (read.tooLarge) return jsonError(413, "body is over the limit of " + limitText, "body");
  if (encoding == "gzip") {
    auto inflated = common::gzipDecompress(read.data, config_.maxBodyBytes);
    if (!inflated) {
      if (inflated.error().kind == common::ErrorKind::kTooLarge)
        return jsonError(413, "body inflates past the limit of " + limitText, "body");
      return jsonError(400, "body is not valid gzip: " + inflated.error().message, "body");
    }
    return std::move(inflated).value();
  }
  return std::move(read.data);
}

ApiResponse CollectorApi::enroll(const ApiRequest& request) {
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto parsed = common::parseJson(std::get<std::string>(body), "body");
  if (!parsed) return jsonError(400, parsed.error().message, parsed.error().where);
  const auto& root = parsed.value();
  if (root.type() != typeid(Poco::JSON::Object::Ptr)) return jsonError(400, "expected a JSON object", "/");
  const auto object = root.extract<Poco::JSON::Object::Ptr>();
  auto field = [&](const std::string& key, bool required, std::string& out) -> std::optional<ApiResponse> {
    if (!object->has(key)) {
      if (required) return jsonError(400, "missing required field", "/" + key);
      return std::nullopt;
    }
    const auto value = object->get(key);
    if (!value.isString()) return jsonError(400, "expected a string", "/" + key);
    out = value.extract<std::string>();
    if (out.size() > kMaxEnrollField || !common::isValidUtf8(out)) {
      return jsonError(400, "expected at most 256 bytes of UTF-8", "/" + key);
    }
    return std::nullopt;
  };
  std::string secret;
  store::AgentRecord agent;
  if (auto e = field("enroll_secret", true, secret)) return *e;
  if (!common::constantTimeEquals(common::sha256Hex(secret), config_.enrollSecretSha256)) {
    return jsonError(401, "wrong enroll secret", "/enroll_secret");
  }
  if (auto e = field("agent_id", true, agent.agentId)) return *e;
  if (!common::isCanonicalUuid(agent.agentId)) return jsonError(400, "expected a lower-case UUID", "/agent_id");
  if (auto e = field("host", true, agent.host)) return *e;
  if (auto e = field("os", false, agent.os)) return *e;
  if (auto e = field("agent_version", false, agent.agentVersion)) return *e;
  agent.group = store::kDefaultGroup;
  if (auto e = field("group", false, agent.group)) return *e;
  if (auto problem = groupNameProblem(agent.group)) return jsonError(400, *problem, "/group");
  agent.enrolledAtMs = clock_.nowMs();
  agent.lastSeenMs = agent.enrolledAtMs;
  const std::string nodeKey = common::randomHex(32);
  if (auto stored = store_.enrollAgent(agent, common::sha256Hex(nodeKey)); !stored) {
    return storageFailure(stored.error());
  }
  common::log::info("enrolled agent " + agent.agentId + " (" + agent.host + ")");
  ApiResponse response;
  // The policy public key travels over the pinned TLS connection once; the agent pins it and from
  // then on accepts only policies this key signed.
  response.body = "{\"agent_id\":" + jsonString(agent.agentId) + ",\"node_key\":" + jsonString(nodeKey) +
                  ",\"group\":" + jsonString(agent.group);
  if (config_.policyKey) {
    const common::PublicKey publicKey = config_.policyKey->publicKey();
    response.body +=
        ",\"policy_public_key\":" + jsonString(publicKey.pem()) + ",\"policy_key_id\":" + jsonString(publicKey.keyId());
  }
  response.body += "}";
  return response;
}

ApiResponse CollectorApi::postEvents(const ApiRequest& request) {
  auto reject = [&](ApiResponse response, const char* reason) {
    metrics_.countRejectedBatch(reason);
    return response;
  };
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) {
    return reject(*answer, answer->status == 401 ? "unauthorized" : "storage");
  }
  const std::string& agentId = std::get<std::string>(agent);
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) {
    return reject(*answer, answer->status == 413 ? "too_large" : answer->status == 415 ? "content_type" : "malformed");
  }
  auto events = common::parseEventBatch(std::get<std::string>(body));
  if (!events) return reject(jsonError(400, events.error().message, events.error().where), "malformed");
  for (std::size_t i = 0; i < events.value().size(); ++i) {
    if (events.value()[i].agentId != agentId) {
      return reject(jsonError(422, "agent_id is not the authenticated agent " + agentId,
                              "/events/" + std::to_string(i) + "/agent_id"),
                    "agent_mismatch");
    }
  }
  auto counts = store_.insertEvents(agentId, events.value(), clock_.nowMs());
  if (!counts) return reject(storageFailure(counts.error()), "storage");
  metrics_.countStored(counts.value().accepted, counts.value().duplicates);
  ApiResponse response;
  response.body = "{\"accepted\":" + std::to_string(counts.value().accepted) +
                  ",\"duplicates\":" + std::to_string(counts.value().duplicates) + "}";
  return response;
}

ApiResponse CollectorApi::heartbeat(const ApiRequest& request) {
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) return *answer;
  const std::string& agentId = std::get<std::string>(agent);
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto event = common::parseEvent(std::get<std::string>(body));
  if (!event) return jsonError(400, event.error().message, event.error().where);
  if (event.value().type != "agent.heartbeat") return jsonError(400, "expected type agent.heartbeat", "/type");
  if (event.value().agentId != agentId) {
    return jsonError(422, "agent_id is not the authenticated agent " + agentId, "/agent_id");
  }
  const auto& details = event.value().details;
  store::HeartbeatUpdate update;
  update.agentId = agentId;
  update.seenMs = clock_.nowMs();
  update.intervalMs = detailInteger(details, "agent.heartbeat_interval_ms");
  if (update.intervalMs && *update.intervalMs == 0) update.intervalMs.reset();
  update.spoolEvents = detailInteger(details, "agent.spool.events");
  if (!details.isNull() && details->has("agent.version") && details->get("agent.version").isString()) {
    update.agentVersion = details->get("agent.version").extract<std::string>();
  }
  update.policy = heartbeatPolicyStatus(details);
  update.contentSets = heartbeatContentSets(details);
  if (config_.heartbeats != nullptr) {
    // The node key lookup above proved the agent exists; its row is updated with the next batch.
    if (!config_.heartbeats->submit(std::move(update))) {
      ApiResponse busy = jsonError(503, "too many heartbeats waiting for the database, retry later", "database");
      busy.headers.emplace_back("Retry-After", retryAfterSeconds(config_.retryAfter));
      return busy;
    }
    ApiResponse response;
    response.body = "{}";
    return response;
  }
  auto updated = store_.recordHeartbeat(update);
  if (!updated) return storageFailure(updated.error());
  if (!updated.value()) return unauthorized("unknown agent (enroll again)");
  ApiResponse response;
  response.body = "{}";
  return response;
}

ApiResponse CollectorApi::healthz() {
  ApiResponse response;
  response.contentType = "text/plain; charset=utf-8";
  if (auto ping = store_.ping(); !ping) {
    metrics_.countStorageError();
    common::log::warning("health check: " + ping.error().describe());
    response.status = 503;
    response.body = "database unavailable\n";
    return response;
  }
  response.body = "ok\n";
  return response;
}

}  // namespace mamori::collector::server
