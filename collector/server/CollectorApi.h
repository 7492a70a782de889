#pragma once
// The collector's HTTP API (docs/api.md) as a function of a request: routing, authentication,
// validation and storage. Thread-safe: one instance serves every handler thread. Holds no fleet
// state of its own (node keys are checked against the database on every request), so several
// collectors can share one PostgreSQL.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "collector/console/Sessions.h"
#include "collector/server/ApiTypes.h"
#include "collector/server/Metrics.h"
#include "collector/server/RetryAfter.h"
#include "collector/store/EventStore.h"
#include "collector/store/HeartbeatBatcher.h"
#include "common/Clock.h"
#include "common/JsonValue.h"
#include "common/SigningKey.h"
#include "fingerprint/FingerprintKey.h"

namespace mamori::collector::server {

struct ApiConfig {
  std::string enrollSecretSha256;                           // hex SHA-256 of the enroll secret
  std::string adminTokenSha256;                             // hex SHA-256 of the admin token
  std::size_t maxBodyBytes = std::size_t{8} * 1024 * 1024;  // after inflation; the raw body too
  // Signs group policies; its public key goes to agents at enrollment. Null: policy endpoints
  // answer 503 (only tests run without one).
  std::shared_ptr<const common::SigningKey> policyKey;
  // The web console's built assets (console/dist); "" = the console is not served.
  std::string consoleDir{};
  console::SessionLimits sessionLimits{};
  // Heartbeats are queued here and written in batches (docs/decisions/0015); null = each heartbeat
  // is written at once in its own transaction.
  store::HeartbeatBatcher* heartbeats = nullptr;
  // Retry-After of 503 answers when storage fails (drawn from the range, docs/api.md).
  RetryAfterRange retryAfter{};
  // Keys every fingerprint (docs/decisions/0032); null: the fingerprint endpoints answer 503.
  std::shared_ptr<const fingerprint::FingerprintKey> fingerprintKey{};
  // Where the weekly reports are written (collector/report/ReportScheduler); "" = none.
  std::string reportsDir{};
};

// How a route authenticates its caller; CollectorApi::handle checks kReader and kAdministrator
// before the handler runs, the others are the handler's own business.
enum class Access {
  kAgent,          // an enrolled agent's node key (or the enroll secret for enrollment)
  kSignIn,         // anyone: the console's sign-in
  kReader,         // the admin token or a console session of any role
  kAdministrator,  // the admin token or a console session of the administrator role
};

// One route of the HTTP API as the table in CollectorApi.cpp declares it.
struct RouteInfo {
  const char* method;
  const char* pattern;  // "/api/v1/agents/{agent_id}/group": a {name} is one path segment
  Access access;
  // The audit trail's action name (docs/admin.md): each call of the route appends exactly one
  // record with it. nullptr only with a reason in notAudited; a unit test holds every route that
  // is not kAgent and every kAdministrator route to having an action.
  const char* auditAction;
  const char* notAudited;
};

// Every API route, in the order they are matched (not /healthz, /metrics or the console's files).
std::vector<RouteInfo> apiRoutes();
const char* accessName(Access access);

// Heartbeat interval assumed until an agent reports its own.
inline constexpr std::int64_t kDefaultHeartbeatIntervalMs = 60'000;
// An agent not heard from for this many heartbeat intervals is silent (GET /api/v1/agents, the
// overview, mamori_agents_silent).
inline constexpr std::int64_t kSilentAfterIntervals = 3;

// Exception requests (CollectorApiRequests.cpp, docs/admin.md "Exception requests").
inline constexpr std::size_t kMaxRequestReasonBytes = 1000;  // the employee's reason, an administrator's note
inline constexpr std::size_t kMaxRequestNameBytes = 256;     // user, host, device id and name, challenge
inline constexpr std::size_t kMaxPendingRequestsPerAgent = 5;
// A request nobody answered within a day is expired: the employee asks again if still needed.
inline constexpr std::int64_t kRequestPendingMs = std::int64_t{24} * 3'600'000;
// An answer rides along with the agent's policy polls for a day after it was given.
inline constexpr std::int64_t kAnswerDeliveryMs = std::int64_t{24} * 3'600'000;

class CollectorApi {
 public:
  CollectorApi(store::EventStore& store, Metrics& metrics, const common::Clock& clock, ApiConfig config);

  // Never throws for bad input; the connection layer still guards against the unexpected.
  ApiResponse handle(const ApiRequest& request);

  Metrics& metrics() { return metrics_; }

  struct Route;
  static const std::vector<Route>& routeTable();
  const ApiConfig& config() const { return config_; }

 private:
  ApiResponse enroll(const ApiRequest& request);
  ApiResponse postEvents(const ApiRequest& request);
  ApiResponse heartbeat(const ApiRequest& request);
  ApiResponse getEvents(const ApiRequest& request);
  ApiResponse getAgents(const ApiRequest& request);
  ApiResponse getEventsCsv(const ApiRequest& request);
  // The console overview (CollectorApiOverview.cpp).
  ApiResponse getOverview(const ApiRequest& request);
  // The fleet report, on demand and the weekly ones (CollectorApiReport.cpp).
  ApiResponse getReport(const ApiRequest& request);
  ApiResponse getReports(const ApiRequest& request);
  ApiResponse getStoredReport(const ApiRequest& request, const std::string& name);
  // Policy distribution (CollectorApiPolicy.cpp).
  ApiResponse getPolicy(const ApiRequest& request);
  ApiResponse postPolicy(const ApiRequest& request);
  ApiResponse getPolicies(const ApiRequest& request);
  // The policy signing key's public half (PEM) and id: what verifies policies and set files
  // (mamorictl policy key, for mamori-inspect's collector-key.pem).
  ApiResponse getPolicyKey(const ApiRequest& request);
  ApiResponse putAgentGroup(const ApiRequest& request, const std::string& agentId);
  ApiResponse changeAgentGroup(const ApiRequest& request, const std::string& agentId);
  // Temporary device exceptions (CollectorApiExceptions.cpp).
  ApiResponse postException(const ApiRequest& request);
  // Employees' exception requests (CollectorApiRequests.cpp).
  ApiResponse postExceptionRequest(const ApiRequest& request);
  ApiResponse getExceptionRequests(const ApiRequest& request);
  ApiResponse approveExceptionRequest(const ApiRequest& request, const std::string& id);
  ApiResponse refuseExceptionRequest(const ApiRequest& request, const std::string& id);
  ApiResponse decideExceptionRequest(const ApiRequest& request, const std::string& id, bool approve);
  // The agent's answered requests of the last day, as the JSON array its policy poll carries.
  common::Result<std::string> exceptionAnswersJson(const std::string& agentId);
  // Requests created before this are expired.
  std::int64_t pendingSinceMs() const;
  // Inspection reports from mamori-inspect (CollectorApiInspections.cpp).
  ApiResponse postInspection(const ApiRequest& request);
  ApiResponse getInspections(const ApiRequest& request);
  ApiResponse getInspection(const ApiRequest& request, const std::string& id);
  // Fingerprint sets (CollectorApiFingerprints.cpp).
  ApiResponse getFingerprintKey(const ApiRequest& request);
  ApiResponse postFingerprints(const ApiRequest& request);
  ApiResponse getFingerprintSets(const ApiRequest& request);
  ApiResponse getFingerprintSet(const ApiRequest& request, const std::string& name);
  ApiResponse getFingerprintArtifact(const ApiRequest& request, const std::string& name);
  ApiResponse getAgentFingerprintArtifact(const ApiRequest& request, const std::string& name);
  ApiResponse deleteFingerprintSet(const ApiRequest& request, const std::string& name);
  // Whether a stored signed set file (base64url) is of the format agents read.
  static bool isCurrentSetFormat(const std::string& stored);
  // The stored signed set with the fleet key appended (what agents and `export` get); nullopt for a
  // set stored in a retired format (JSON, or format 2's HMAC-SHA-256 hashes).
  std::optional<std::string> fingerprintBundle(const std::string& stored) const;
  // Signs an artifact and encodes it as the store keeps it (base64url), or the 500 answer.
  std::variant<std::string, ApiResponse> signSet(const std::string& artifact) const;
  // What fingerprint and exact-data-match sets share: the list, the signed bundle, removal.
  ApiResponse listSignedSets(store::SetKind kind, const char* partsKey, const char* entriesKey);
  ApiResponse signedSetArtifact(store::SetKind kind, const ApiRequest& request, const std::string& name);
  ApiResponse removeSignedSet(store::SetKind kind, const ApiRequest& request, const std::string& name);
  // Exact-data-match sets (CollectorApiEdm.cpp).
  ApiResponse postEdm(const ApiRequest& request);
  ApiResponse finishEdmUpload(const std::string& set, const std::string& upload, const common::JsonValue& root);
  ApiResponse getEdmSets(const ApiRequest& request);
  ApiResponse getEdmSet(const ApiRequest& request, const std::string& name);
  ApiResponse getEdmArtifact(const ApiRequest& request, const std::string& name);
  ApiResponse getAgentEdmArtifact(const ApiRequest& request, const std::string& name);
  ApiResponse deleteEdmSet(const ApiRequest& request, const std::string& name);
  // Web console sessions, policy validation, the console's files (CollectorApiConsole.cpp).
  ApiResponse postSession(const ApiRequest& request);
  ApiResponse getSession(const ApiRequest& request);
  ApiResponse deleteSession(const ApiRequest& request);
  ApiResponse validatePolicy(const ApiRequest& request);
  ApiResponse serveConsole(const ApiRequest& request) const;
  ApiResponse getIncidents(const ApiRequest& request);
  ApiResponse putIncident(const ApiRequest& request, const std::string& incidentId);
  ApiResponse changeIncident(const ApiRequest& request, const std::string& incidentId);
  // Who made an authorized request: the console user, or "admin token".
  std::string actorName(const ApiRequest& request);
  // The audit trail (CollectorApiAudit.cpp).
  ApiResponse getAudit(const ApiRequest& request);
  void recordAudit(const ApiRequest& request, const RouteInfo& route, const std::string& actor,
                   const ApiResponse& response);
  ApiResponse healthz();
  ApiResponse metricsText();

  // Allows the admin bearer token, or a console session (of the administrator role when
  // administratorOnly; with the CSRF token on anything but GET/HEAD); nullopt when allowed. actor
  // becomes who asked: "admin-token", the console user, or a parenthesised note when unknown.
  std::optional<ApiResponse> authorize(const ApiRequest& request, bool administratorOnly, std::string& actor);
  // The authenticated agent's id, or the 401/503 answer.
  std::variant<std::string, ApiResponse> authenticateAgent(const ApiRequest& request);
  // Checks the content type and encoding, reads and inflates the body: the JSON text or the answer.
  std::variant<std::string, ApiResponse> readJsonBody(const ApiRequest& request);
  // A fingerprint or EDM set upload's body: its JSON with a safe set name, hashed with this collector's
  // key (`hashed` names what was hashed, for the 409 message). Or the answer that refuses it.
  struct SetUpload {
    common::JsonValue root;
    std::string set;
  };
  std::variant<SetUpload, ApiResponse> readSetUpload(const ApiRequest& request, const std::string& hashed);
  ApiResponse storageFailure(const common::Error& error);

  store::EventStore& store_;
  Metrics& metrics_;
  const common::Clock& clock_;
  ApiConfig config_;
};

// The metrics label of a request path: "enroll", "events", "heartbeat", ..., "console", "other".
const char* endpointFor(const std::string& path);

// Why name cannot be a group name (1..128 bytes of UTF-8, no control characters), or nullopt.
std::optional<std::string> groupNameProblem(const std::string& name);

// "/api/v1/agents/<id>/group" -> "<id>"; nullopt for any other path.
std::optional<std::string> agentGroupPathId(const std::string& path);
// "/api/v1/inspections/<64 hex digits>" -> the id.
std::optional<std::string> inspectionPathId(const std::string& path);

// "/api/v1/fingerprints/<set>", "/api/v1/fingerprints/<set>/artifact", "/api/v1/fingerprint-artifacts/<set>"
// -> "<set>" (a safe name); nullopt for any other path.
std::optional<std::string> fingerprintSetPathName(const std::string& path);
std::optional<std::string> fingerprintArtifactPathName(const std::string& path);
std::optional<std::string> agentArtifactPathName(const std::string& path);
// The same for exact-data-match sets: "/api/v1/edm/<set>", ".../artifact", "/api/v1/edm-artifacts/<set>".
std::optional<std::string> edmSetPathName(const std::string& path);
std::optional<std::string> edmArtifactPathName(const std::string& path);
std::optional<std::string> agentEdmArtifactPathName(const std::string& path);

// "/api/v1/reports/<name>" -> "<name>" when it is a stored report's name; nullopt for any other path.
std::optional<std::string> storedReportPathName(const std::string& path);

// "/api/v1/incidents/<uuid>" -> "<uuid>"; nullopt for any other path.
std::optional<std::string> incidentPathId(const std::string& path);

// "/api/v1/exception-requests/<id>/approve" (or /refuse) -> "<id>"; nullopt for any other path.
std::optional<std::string> requestApprovePathId(const std::string& path);
std::optional<std::string> requestRefusePathId(const std::string& path);

// "Bearer abc" -> "abc"; "" when the header is missing or another scheme.
std::string bearerToken(const std::string& authorization);

}  // namespace mamori::collector::server
