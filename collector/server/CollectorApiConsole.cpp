// CollectorApi: what the web console needs beyond mamorictl's endpoints (docs/api.md, docs/console.md):
// console sign-in sessions, the session/CSRF side of authentication, policy validation without a
// push, and the console's static files.

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <string>
#include <variant>

#include "collector/console/PasswordHash.h"
#include "collector/console/StaticFiles.h"
#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Files.h"
#include "common/Log.h"
#include "common/Utf8.h"
#include "common/Uuid7.h"
#include "policy/PolicyParser.h"

namespace mamori::collector::server {

namespace {

constexpr std::size_t kMaxLoginBodyBytes = 4096;
constexpr std::size_t kMaxStaticFileBytes = std::size_t{16} * 1024 * 1024;
// A session's last_seen is written at most this often: reads must not each cost a write.
constexpr std::int64_t kTouchEveryMs = 30'000;
constexpr std::size_t kMaxCommentBytes = 4000;
constexpr std::string_view kIncidentsPrefix = "/api/v1/incidents/";

ApiResponse unauthorizedSession(const std::string& what) {
  ApiResponse response = jsonError(401, what, "Authorization");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

bool isReadMethod(const std::string& method) { return method == "GET" || method == "HEAD"; }

std::string sessionBody(const store::ConsoleSession& session, const console::SessionLimits& limits) {
  return "{\"user\":" + jsonString(session.user) + ",\"role\":" + jsonString(session.role) +
         ",\"csrf_token\":" + jsonString(session.csrfToken) +
         ",\"idle_timeout_s\":" + std::to_string(limits.idleMs / 1000) +
         ",\"expires_at\":" + jsonString(common::formatUtcMs(session.createdMs + limits.absoluteMs)) + "}";
}

ApiResponse tooManyFailures(std::int64_t lockedUntilMs, std::int64_t nowMs) {
  const std::int64_t seconds = (lockedUntilMs - nowMs + 999) / 1000;
  ApiResponse response =
      jsonError(429, "too many failed sign-ins; try again in " + std::to_string(seconds) + " s", "/user");
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  return response;
}

std::string incidentJson(const store::IncidentState& state) {
  return "{\"incident_id\":" + jsonString(state.incidentId) + ",\"status\":" + jsonString(state.status) +
         ",\"comment\":" + jsonString(state.comment) + ",\"updated_by\":" + jsonString(state.updatedBy) +
         ",\"updated_at\":" + jsonString(common::formatUtcMs(state.updatedMs)) + "}";
}

}  // namespace

std::optional<ApiResponse> CollectorApi::authorize(const ApiRequest& request, bool administratorOnly,
                                                   std::string& actor) {
  if (!request.authorization.empty()) {
    const std::string token = bearerToken(request.authorization);
    if (token.empty() || !common::constantTimeEquals(common::sha256Hex(token), config_.adminTokenSha256)) {
      actor = "(wrong admin token)";
      return unauthorizedSession("wrong admin token");
    }
    actor = "admin-token";
    return std::nullopt;
  }
  const std::string sessionId = console::cookieValue(request.cookie, console::kSessionCookie);
  if (sessionId.empty()) {
    actor = "(anonymous)";
    return unauthorizedSession("missing admin token (Authorization: Bearer <token>) or console session");
  }
  actor = "(ended session)";
  const std::string idSha = common::sha256Hex(sessionId);
  auto session = store_.consoleSession(idSha);
  if (!session) return storageFailure(session.error());
  const std::int64_t now = clock_.nowMs();
  if (!session.value() ||
      console::sessionExpired(session.value()->createdMs, session.value()->lastSeenMs, now, config_.sessionLimits)) {
    if (session.value()) (void)store_.deleteConsoleSession(idSha);
    return unauthorizedSession("the console session has ended; sign in again");
  }
  const store::ConsoleSession& current = *session.value();
  actor = current.user;
  // The synchronizer token: a cross-site page can make the browser send the cookie (were SameSite
  // ever bypassed) but cannot read the token, which only same-origin script got at sign-in.
  if (!isReadMethod(request.method) &&
      (request.csrfToken.empty() || !common::constantTimeEquals(request.csrfToken, current.csrfToken))) {
    return jsonError(403, "missing or wrong X-CSRF-Token header (sign in again if this persists)",
                     console::kCsrfHeader);
  }
  if (administratorOnly && current.role != console::kRoleAdministrator) {
    return jsonError(403, "user " + current.user + " has the viewer role: it may only read", "role");
  }
  if (now - current.lastSeenMs >= kTouchEveryMs) {
    if (auto touched = store_.touchConsoleSession(idSha, now); !touched) return storageFailure(touched.error());
  }
  return std::nullopt;
}

ApiResponse CollectorApi::postSession(const ApiRequest& request) {
  if (request.contentLength && *request.contentLength > static_cast<std::int64_t>(kMaxLoginBodyBytes)) {
    return jsonError(413, "a sign-in body has at most 4096 bytes", "body");
  }
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto parsed = jsonObject(std::get<std::string>(body));
  if (auto* answer = std::get_if<ApiResponse>(&parsed)) return *answer;
  const auto object = std::get<Poco::JSON::Object::Ptr>(parsed);
  for (const char* key : {"user", "password"}) {
    if (!object->has(key) || !object->get(key).isString())
      return jsonError(400, "expected a string", std::string("/") + key);
  }
  const auto name = object->getValue<std::string>("user");
  const auto password = object->getValue<std::string>("password");
  // The name tried as the audit trail, the lockout's key and the log show it: at most 64 bytes, cut
  // between characters (a cut inside one made a key PostgreSQL refuses, so the failure went uncounted).
  const std::string tried = common::capUtf8(common::storableText(name), 64);
  // Every answer from here on names the account tried, for the audit trail.
  const auto noted = [&tried](ApiResponse response) {
    response.audit.actor = tried;
    response.audit.target = "user:" + tried;
    return response;
  };
  const std::int64_t now = clock_.nowMs();

  // Locked subjects are refused before the password is even hashed: guessing costs the guesser
  // time, not the collector CPU.
  const std::string userSubject = "user:" + tried;
  const std::string addressSubject = "ip:" + request.clientAddress;
  store::LoginFailures userFailures, addressFailures;
  for (auto [subject, into] : {std::pair{&userSubject, &userFailures}, std::pair{&addressSubject, &addressFailures}}) {
    auto failures = store_.loginFailures(*subject);
    if (!failures) return noted(storageFailure(failures.error()));
    *into = failures.value();
    if (into->lockedUntilMs > now) return noted(tooManyFailures(into->lockedUntilMs, now));
  }

  auto user = store_.consoleUser(name);
  if (!user) return noted(storageFailure(user.error()));
  // An unknown name costs the same scrypt work as a wrong password, so timing does not tell which.
  static const std::string kDummyHash = console::hashPassword("not a password").value();
  const bool good = console::verifyPassword(password, user.value() ? user.value()->passwordHash : kDummyHash) &&
                    user.value().has_value();
  if (!good) {
    for (auto [subject, state, rule] : {std::tuple{&userSubject, &userFailures, console::kUserFailureRule},
                                        std::tuple{&addressSubject, &addressFailures, console::kAddressFailureRule}}) {
      const console::FailureState next =
          console::afterFailure({state->failures, state->windowStartMs, state->lockedUntilMs}, now, rule);
      if (auto saved = store_.setLoginFailures(*subject, {next.failures, next.windowStartMs, next.lockedUntilMs});
          !saved) {
        return noted(storageFailure(saved.error()));
      }
      if (next.lockedUntilMs > now) common::log::warning("console sign-in locked for " + *subject);
    }
    common::log::info("console sign-in failed for user \"" + tried + "\" from " + request.clientAddress);
    return noted(jsonError(401, "wrong user name or password", "/password"));
  }
  if (auto cleared = store_.setLoginFailures(userSubject, {}); !cleared) {
    return noted(storageFailure(cleared.error()));
  }

  const std::string sessionId = common::randomHex(32);
  store::ConsoleSession session{
      common::sha256Hex(sessionId), user.value()->name, user.value()->role, common::randomHex(32), now, now};
  if (auto created = store_.createConsoleSession(session, now - config_.sessionLimits.idleMs,
                                                 now - config_.sessionLimits.absoluteMs);
      !created) {
    return noted(storageFailure(created.error()));
  }
  common::log::info("console user " + session.user + " signed in from " + request.clientAddress);
  ApiResponse response;
  response.body = sessionBody(session, config_.sessionLimits);
  response.headers.emplace_back("Set-Cookie", console::sessionCookie(sessionId, config_.sessionLimits.absoluteMs));
  response.headers.emplace_back("Cache-Control", "no-store");
  return noted(std::move(response));
}

ApiResponse CollectorApi::getSession(const ApiRequest& request) {
  if (!request.authorization.empty()) return jsonError(400, "a bearer token has no console session", "Authorization");
  const std::string sessionId = console::cookieValue(request.cookie, console::kSessionCookie);
  auto session = store_.consoleSession(common::sha256Hex(sessionId));
  if (!session) return storageFailure(session.error());
  if (!session.value()) return unauthorizedSession("the console session has ended; sign in again");
  ApiResponse response;
  response.body = sessionBody(*session.value(), config_.sessionLimits);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

ApiResponse CollectorApi::deleteSession(const ApiRequest& request) {
  if (!request.authorization.empty()) return jsonError(400, "a bearer token has no console session", "Authorization");
  const std::string sessionId = console::cookieValue(request.cookie, console::kSessionCookie);
  if (auto deleted = store_.deleteConsoleSession(common::sha256Hex(sessionId)); !deleted) {
    return storageFailure(deleted.error());
  }
  ApiResponse response;
  response.body = "{}";
  response.headers.emplace_back("Set-Cookie", console::clearedSessionCookie());
  return response;
}

ApiResponse CollectorApi::validatePolicy(const ApiRequest& request) {
  std::string group;
  for (const auto& [key, value] : request.query) {
    if (key != "group") return jsonError(400, "unknown query parameter (expected group)", key);
    group = value;
  }
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  const auto parsed = policy::parsePolicy(std::get<std::string>(body));
  std::string errors;
  auto add = [&errors](const std::string& where, const std::string& what) {
    if (!errors.empty()) errors += ',';
    errors += "{\"where\":" + jsonString(where) + ",\"error\":" + jsonString(what) + "}";
  };
  for (const auto& error : parsed.errors) add(error.where, error.message);
  if (parsed.ok() && !group.empty() && parsed.policy->group != group) {
    add("/group", "expected \"" + group + "\" (the group it is pushed to); agents refuse a policy for another group");
  }
  ApiResponse response;
  response.body = "{\"valid\":" + std::string(errors.empty() ? "true" : "false") + ",\"errors\":[" + errors +
                  "],\"more_errors\":" + (parsed.moreErrors ? "true" : "false");
  if (parsed.ok()) response.body += ",\"version\":" + std::to_string(parsed.policy->version);
  response.body += "}";
  return response;
}

ApiResponse CollectorApi::serveConsole(const ApiRequest& request) const {
  auto withHeaders = [&request](ApiResponse response) {
    for (const auto& header : console::securityHeaders()) response.headers.push_back(header);
    response.headers.emplace_back("Cache-Control", console::cacheControlFor(request.path));
    return response;
  };
  auto notFound = [&]() {
    ApiResponse response;
    response.status = 404;
    response.contentType = "text/plain; charset=utf-8";
    response.body = "not found\n";
    return withHeaders(response);
  };
  if (config_.consoleDir.empty()) return notFound();
  std::error_code error;
  const auto root = std::filesystem::canonical(config_.consoleDir, error);
  if (error) return notFound();
  const auto file = console::resolveStaticPath(root, request.path);
  if (!file) return notFound();
  auto content = common::readSmallFile(file->string(), kMaxStaticFileBytes);
  if (!content) return notFound();
  ApiResponse response;
  response.contentType = console::contentTypeFor(*file);
  response.body = std::move(content).value();
  return withHeaders(response);
}

std::optional<std::string> incidentPathId(const std::string& path) {
  if (path.size() <= kIncidentsPrefix.size() || path.rfind(kIncidentsPrefix, 0) != 0) return std::nullopt;
  std::string id = path.substr(kIncidentsPrefix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

std::string CollectorApi::actorName(const ApiRequest& request) {
  if (!request.authorization.empty()) return "admin token";
  auto session =
      store_.consoleSession(common::sha256Hex(console::cookieValue(request.cookie, console::kSessionCookie)));
  return session && session.value() ? session.value()->user : std::string("unknown");
}

ApiResponse CollectorApi::getIncidents(const ApiRequest& /*request*/) {
  auto states = store_.listIncidentStates();
  if (!states) return storageFailure(states.error());
  ApiResponse response;
  response.body = "{\"incidents\":[";
  for (std::size_t i = 0; i < states.value().size(); ++i) {
    const auto& state = states.value()[i];
    if (i != 0) response.body += ',';
    response.body += incidentJson(state);
  }
  response.body += "]}";
  return response;
}

ApiResponse CollectorApi::putIncident(const ApiRequest& request, const std::string& incidentId) {
  ApiResponse response = changeIncident(request, incidentId);
  response.audit.target = "incident:" + incidentId;
  return response;
}

ApiResponse CollectorApi::changeIncident(const ApiRequest& request, const std::string& incidentId) {
  if (!common::isCanonicalUuid(incidentId)) return jsonError(400, "expected an incident.id (lower-case UUID)", "id");
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto parsed = jsonObject(std::get<std::string>(body));
  if (auto* answer = std::get_if<ApiResponse>(&parsed)) return *answer;
  const auto object = std::get<Poco::JSON::Object::Ptr>(parsed);
  for (const auto& key : object->getNames()) {
    if (key != "status" && key != "comment")
      return jsonError(400, "unknown field (expected status, comment)", "/" + key);
  }
  store::IncidentState state;
  state.incidentId = incidentId;
  if (!object->has("status") || !object->get("status").isString())
    return jsonError(400, "expected a string", "/status");
  state.status = object->getValue<std::string>("status");
  if (state.status != "open" && state.status != "acknowledged" && state.status != "closed") {
    return jsonError(400, "expected open, acknowledged or closed", "/status");
  }
  if (object->has("comment")) {
    if (!object->get("comment").isString()) return jsonError(400, "expected a string", "/comment");
    state.comment = object->getValue<std::string>("comment");
    if (state.comment.size() > kMaxCommentBytes || !common::isValidUtf8(state.comment)) {
      return jsonError(400, "expected at most 4000 bytes of UTF-8", "/comment");
    }
  }
  state.updatedBy = actorName(request);
  state.updatedMs = clock_.nowMs();
  auto states = store_.listIncidentStates();
  if (!states) return storageFailure(states.error());
  std::string before = "open";  // an incident nobody has touched is open
  for (const auto& old : states.value()) {
    if (old.incidentId == incidentId) before = old.status + (old.comment.empty() ? "" : ": " + old.comment);
  }
  if (auto stored = store_.putIncidentState(state); !stored) return storageFailure(stored.error());
  common::log::info("incident " + incidentId + " set to " + state.status + " by " + state.updatedBy);
  ApiResponse response;
  response.audit.before = before;
  response.audit.after = state.status + (state.comment.empty() ? "" : ": " + state.comment);
  response.body = incidentJson(state);
  return response;
}

}  // namespace mamori::collector::server
