#pragma once
// Storage behind one interface: the collector's HTTP layer sees only this, and the SQLite and
// PostgreSQL backends both implement it (SqlEventStore). Every failure here is a storage failure
// (disk full, database down, lock timeout): the HTTP layer answers 503 so agents retry, and nothing
// is half-stored because every write runs in one transaction.
//
// The collector keeps no state outside the database, so two collectors on one PostgreSQL serve the
// same fleet: node keys are looked up in the database on every request (no cache).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/audit/AuditRecord.h"
#include "collector/store/RetentionPolicy.h"
#include "common/Event.h"
#include "common/Result.h"

namespace mamori::collector::store {

// Which policy an agent last reported in its heartbeat (policy.* details), or the refusal.
struct AgentPolicyStatus {
  std::int64_t version = 0;  // 0 until the agent reports one
  std::string sha256;
  std::string source;  // "collector", "persisted", "builtin"
  std::int64_t appliedMs = 0;
  std::string error;  // the last refusal ("" when none since the applied one)
};

inline constexpr const char* kDefaultGroup = "default";

struct AgentRecord {
  std::string agentId;
  std::string host;
  std::string os;
  std::string agentVersion;
  std::int64_t enrolledAtMs = 0;
  std::int64_t lastSeenMs = 0;
  std::int64_t heartbeatIntervalMs = 0;  // 0 until the first heartbeat says otherwise
  std::int64_t spoolEvents = 0;
  std::int64_t eventCount = 0;
  std::string group = kDefaultGroup;
  AgentPolicyStatus policy;
  std::int64_t lastEventMs = 0;  // time of the agent's newest stored event; 0 when it has none
  std::string lastEventType{};
  std::string lastEventUser{};  // the user of that event: who was signed in on the PC
  // The fingerprint and EDM sets the agent last reported (content.sets): the collector's JSON array
  // (collector/server/ContentSetStatus.h), "" until the agent reports one.
  std::string contentSets{};
};

// The current signed policy of one group.
struct GroupPolicy {
  std::string group;
  std::int64_t version = 0;
  std::string name;
  std::string sha256;    // of the policy document's bytes
  std::string keyId;     // the signing key's id
  std::string envelope;  // the signed envelope's JSON text, served as is
  std::int64_t pushedMs = 0;
};

// What putGroupPolicy did: stored, or refused because the group already has this version or a
// newer one (currentVersion says which).
struct PutPolicyResult {
  bool stored = false;
  std::int64_t currentVersion = 0;
};

struct InsertCounts {
  std::size_t accepted = 0;    // newly stored
  std::size_t duplicates = 0;  // ids that were already stored
};

struct HeartbeatUpdate {
  std::string agentId;
  std::int64_t seenMs = 0;
  std::optional<std::int64_t> intervalMs;
  std::optional<std::int64_t> spoolEvents;
  std::optional<std::string> agentVersion;
  std::optional<AgentPolicyStatus> policy;   // set when the heartbeat carried policy.* details
  std::optional<std::string> contentSets{};  // set when it carried content.sets: the JSON array to keep
};

// A stored event as the query path returns it: details stay the JSON text they were stored as.
struct EventRow {
  std::string id;
  std::string agentId;
  std::string host;
  std::string user;
  std::string type;
  std::string detailsJson;
  std::int64_t timeMs = 0;
  int severity = 0;
};

struct EventQuery {
  std::string agentId;                  // "" = any
  std::string type;                     // "" = any
  std::string afterId;                  // cursor: only ids after this one in the order asked; "" = from the start
  std::string user;                     // "" = any
  std::string host;                     // "" = any
  std::string text;                     // "" = any; else a case-insensitive substring of type, host, user or details
  std::optional<int> minSeverity;       // severity >= this
  std::optional<int> exactSeverity;     // severity == this (the overview's drill-down)
  bool newestFirst = false;             // descending ids (the cursor then means: ids below it)
  std::optional<std::int64_t> sinceMs;  // time_ms >= since
  std::optional<std::int64_t> untilMs;  // time_ms < until
  std::size_t limit = 1000;
  // Leaves out the admin.* events the audit trail stores for the SIEM forwarders: they are read
  // through the audit trail, by administrators only.
  bool hideAdminEvents = false;
};

struct EventPage {
  std::vector<EventRow> events;
  bool more = false;  // true when at least one more event matches after the last one returned
};

// What an administrator decided about an incident (incident.* events): open, acknowledged or
// closed, with a comment.
struct IncidentState {
  std::string incidentId;
  std::string status;
  std::string comment;
  std::string updatedBy;
  std::int64_t updatedMs = 0;
};

// A web console account (docs/console.md); the password only as its scrypt hash.
struct ConsoleUser {
  std::string name;
  std::string role;  // "administrator" or "viewer"
  std::string passwordHash;
  std::int64_t createdMs = 0;
};

// A signed-in console session; the database keeps only the SHA-256 of its id.
struct ConsoleSession {
  std::string idSha256;
  std::string user;
  std::string role;  // the user's role now (looked up with the session)
  std::string csrfToken;
  std::int64_t createdMs = 0;
  std::int64_t lastSeenMs = 0;
};

// Failed console sign-ins of one subject ("user:<name>" or "ip:<address>").
struct LoginFailures {
  int failures = 0;
  std::int64_t windowStartMs = 0;
  std::int64_t lockedUntilMs = 0;
};

// A home-PC inspection report uploaded by staff (mamori-inspect, docs/inspect.md).
struct InspectionRecord {
  std::string id;  // SHA-256 of the signed document's canonical JSON: a second upload is the same record
  std::int64_t receivedMs = 0;
  std::string host;
  std::string started;    // the report's run.started (UTC text)
  std::string keyId;      // the key that signed it
  std::string signature;  // what the collector checked: "valid (key in the report)"
  std::int64_t findings = 0;
  std::int64_t critical = 0;
  std::string uploadedBy;
  std::string document;  // the signed JSON as uploaded (empty in lists)
};

// The console overview (schema migration 9, SqlEventStoreOverview.cpp): counts from the hourly
// rollup tables the database keeps beside the events, so a month of ten million events is read as
// a few thousand rows.
struct CountsQuery {
  std::int64_t sinceMs = 0;           // inclusive; a multiple of an hour
  std::int64_t untilMs = 0;           // exclusive; a multiple of an hour
  std::int64_t bucketMs = 3'600'000;  // 3,600,000 (hours) or 86,400,000 (days)
  std::int64_t offsetMs = 0;          // buckets start at local midnight for this UTC offset (a whole hour)
  // "" = every agent, from the rollup. A group name: only the events of the agents in that group now
  // (the weekly reports per group), counted from the events themselves: slower, an index range scan
  // of the period.
  std::string group{};
};

// Events of one type and severity in one bucket (admin.* events are left out).
struct CountBucket {
  std::int64_t startMs = 0;
  std::string type;
  int severity = 0;
  std::int64_t count = 0;
};

// High and critical events of one host or one user in the range.
struct TopEntry {
  std::string name;
  std::int64_t high = 0;
  std::int64_t critical = 0;
};

// The agents by liveness and by the policy they last reported against their group's current one.
struct FleetHealth {
  std::int64_t agents = 0;
  std::int64_t online = 0;
  std::int64_t silent = 0;
  std::int64_t policyCurrent = 0;  // the group's current version, no refusal since
  std::int64_t policyOld = 0;      // an older version than the group's current one
  std::int64_t policyRefused = 0;  // the last policy it was sent was refused (policy.error)
  std::int64_t policyNone = 0;     // reported none yet, or its group has no policy
};

// A registered document of a fingerprint set (docs/admin.md "Register company documents"): its
// fingerprints only, never its text (docs/decisions/0032).
struct FingerprintDocumentRecord {
  std::string set;
  std::string id;    // chosen by mamorictl: the first 16 hex digits of the file's SHA-256
  std::string name;  // the file's name as registered (shown to administrators, never sent to agents)
  std::int64_t chars = 0;
  std::string hashes;  // base64url of the distinct 64-bit keyed hashes, little-endian, sorted
  std::int64_t addedMs = 0;
};

// Which kind of signed set: document fingerprints (docs/decisions/0032) or exact data match (0034).
enum class SetKind { kFingerprint, kEdm };

// A fingerprint set's current signed artifact. version only grows, also across a removal, so an
// agent never takes an older artifact for a newer one.
struct FingerprintSetRecord {
  std::string name;
  std::int64_t version = 0;
  std::string envelope;  // base64url of the signed set file (fingerprint/SignedSet.h); "" when the set was removed
  std::string sha256;    // of the artifact document
  std::int64_t documents = 0;
  std::int64_t entries = 0;
  std::int64_t updatedMs = 0;
  std::int64_t artifactBytes = 0;  // of the signed set file as stored (0 when removed)
};

// An employee's request to use a blocked device (docs/admin.md "Exception requests", schema
// migration 11): sent by the agent with its node key, answered by an administrator. An approval
// carries the response code of the offline exception path, signed by the collector's policy key,
// which the agent picks up at its next policy poll.
struct ExceptionRequestRecord {
  std::string id;  // UUIDv7, given by the collector
  std::string agentId;
  std::string host;        // the agent's host name when the request arrived
  std::string user;        // who asked, as the agent knows them (the local account)
  std::string deviceId;    // the agent's id of the device ("1-2": its USB port)
  std::string deviceName;  // readable: manufacturer, product, vendor:product
  std::string challenge;   // the device's offline challenge code (policy/DeviceException.h)
  std::string reason;
  std::int64_t minutesAsked = 0;
  std::string state = "pending";  // "pending", "approved", "refused"
  std::int64_t createdMs = 0;
  std::int64_t decidedMs = 0;
  std::string decidedBy;
  std::int64_t minutes = 0;  // granted (approved)
  std::string note;          // the administrator's note (refused: why)
  std::string response;      // the signed response code (approved)
};

// What addExceptionRequest did: stored (id is the new one), the same challenge was already
// waiting (id is that request's), or refused because the agent has too many waiting.
struct AddRequestResult {
  enum class Outcome { kAdded, kAlreadyPending, kTooMany } outcome = Outcome::kAdded;
  std::string id;
  std::int64_t pending = 0;
};

struct ExceptionRequestQuery {
  std::string agentId;                         // "" = every agent
  std::optional<std::int64_t> decidedSinceMs;  // only requests decided at or after this time
  std::size_t limit = 200;                     // newest first
};

// What decideExceptionRequest did.
enum class DecideOutcome { kDecided, kNotFound, kNotPending };

// Which audit records to read: seq order from afterSeq on, or the newest first.
struct AuditQuery {
  std::int64_t afterSeq = 0;            // only seq > afterSeq (ascending order only)
  std::optional<std::int64_t> sinceMs;  // time_ms >= since
  bool newestFirst = false;
  std::size_t limit = 1000;
};

// Makes the entry to append from the chain's current head (nullptr when the chain is empty), or
// nullopt to append nothing. Runs inside the append transaction with the chain locked.
using AuditEntryFactory = std::function<std::optional<audit::AuditEntry>(const audit::AuditRecord* head)>;

class EventStore {
 public:
  virtual ~EventStore() = default;

  // "sqlite" or "postgresql"; for logs and metrics.
  virtual std::string backendName() const = 0;

  // A cheap round trip to the database (GET /healthz).
  virtual common::Status ping() = 0;

  // Inserts the agent or replaces its record and node key (re-enrollment after a reinstall).
  virtual common::Status enrollAgent(const AgentRecord& agent, const std::string& nodeKeySha256) = 0;

  // The agent id that owns this node key hash, or nullopt when no agent does.
  virtual common::Result<std::optional<std::string>> agentForKey(const std::string& nodeKeySha256) = 0;

  // Stores all events in one transaction; ids already stored are counted as duplicates. Also marks
  // the agent as seen and adds the accepted count to its event_count.
  virtual common::Result<InsertCounts> insertEvents(const std::string& agentId,
                                                    const std::vector<common::Event>& events,
                                                    std::int64_t receivedMs) = 0;

  // False when the agent does not exist (any more).
  virtual common::Result<bool> recordHeartbeat(const HeartbeatUpdate& update) = 0;

  // Many heartbeats (of different agents) in one transaction: what HeartbeatBatcher flushes. Each
  // update changes only the fields it carries; last_seen_ms never moves backwards. Agents that do not
  // exist (any more) are skipped; the result is how many agents were updated.
  virtual common::Result<std::size_t> recordHeartbeats(const std::vector<HeartbeatUpdate>& updates) = 0;

  // Deletes the events the retention policy no longer allows (RetentionPolicy.h): on SQLite in
  // bounded batches, each its own transaction; on PostgreSQL by dropping whole time partitions,
  // then bounded batches for what is left, and it also creates the partitions ahead of time. On
  // PostgreSQL one collector at a time does this (advisory lock); the others report skipped.
  virtual common::Result<RetentionReport> enforceRetention(const RetentionPolicy& policy, std::int64_t nowMs) = 0;

  virtual common::Result<EventPage> queryEvents(const EventQuery& query) = 0;

  virtual common::Result<std::vector<AgentRecord>> listAgents() = 0;

  // The agent's group, or nullopt when the agent does not exist.
  virtual common::Result<std::optional<std::string>> agentGroup(const std::string& agentId) = 0;
  // False when the agent does not exist.
  virtual common::Result<bool> setAgentGroup(const std::string& agentId, const std::string& group) = 0;

  // Stores policy as its group's current one only if its version is greater than the stored one,
  // atomically (two collectors pushing at once cannot both win with the same version).
  virtual common::Result<PutPolicyResult> putGroupPolicy(const GroupPolicy& policy) = 0;
  virtual common::Result<std::optional<GroupPolicy>> groupPolicy(const std::string& group) = 0;
  // Every group's current policy, by group name.
  virtual common::Result<std::vector<GroupPolicy>> listGroupPolicies() = 0;

  // The schema version after migrations ran.
  virtual common::Result<int> schemaVersion() = 0;

  // Web console accounts and sessions (SqlEventStoreConsole.cpp). addConsoleUser is false when the
  // name is taken; removing a user also ends its sessions.
  virtual common::Result<bool> addConsoleUser(const ConsoleUser& user) = 0;
  virtual common::Result<bool> setConsolePassword(const std::string& name, const std::string& passwordHash) = 0;
  virtual common::Result<bool> removeConsoleUser(const std::string& name) = 0;
  virtual common::Result<std::optional<ConsoleUser>> consoleUser(const std::string& name) = 0;
  virtual common::Result<std::vector<ConsoleUser>> listConsoleUsers() = 0;
  // Also deletes sessions last seen before staleBeforeMs or created before expiredBeforeMs.
  virtual common::Status createConsoleSession(const ConsoleSession& session, std::int64_t staleBeforeMs,
                                              std::int64_t expiredBeforeMs) = 0;
  // The session with its user's current role; nullopt when unknown or its user is gone.
  virtual common::Result<std::optional<ConsoleSession>> consoleSession(const std::string& idSha256) = 0;
  virtual common::Status touchConsoleSession(const std::string& idSha256, std::int64_t nowMs) = 0;
  virtual common::Status deleteConsoleSession(const std::string& idSha256) = 0;
  // Read and replace one subject's failure record (a zero record deletes it).
  virtual common::Result<LoginFailures> loginFailures(const std::string& subject) = 0;
  virtual common::Status setLoginFailures(const std::string& subject, const LoginFailures& failures) = 0;
  // Incident status and comment (schema migration 6): one row per incident, replaced on each change.
  virtual common::Status putIncidentState(const IncidentState& state) = 0;
  virtual common::Result<std::vector<IncidentState>> listIncidentStates() = 0;

  // Inspection reports (schema migration 5). addInspection: false when that id is stored already.
  virtual common::Result<bool> addInspection(const InspectionRecord& record) = 0;
  // Newest first, without the documents.
  virtual common::Result<std::vector<InspectionRecord>> listInspections(std::int64_t limit) = 0;
  virtual common::Result<std::optional<InspectionRecord>> inspection(const std::string& id) = 0;

  // The console overview (SqlEventStoreOverview.cpp). topHosts and topUsers are ordered by high
  // plus critical events, most first, then by name.
  virtual common::Result<std::vector<CountBucket>> eventCounts(const CountsQuery& query) = 0;
  virtual common::Result<std::vector<TopEntry>> topHosts(const CountsQuery& query, std::size_t limit) = 0;
  virtual common::Result<std::vector<TopEntry>> topUsers(const CountsQuery& query, std::size_t limit) = 0;
  // An agent is silent when not heard from for silentAfterIntervals of its heartbeat interval
  // (defaultIntervalMs until it reports one), as GET /api/v1/agents says.
  virtual common::Result<FleetHealth> fleetHealth(std::int64_t nowMs, std::int64_t defaultIntervalMs,
                                                  std::int64_t silentAfterIntervals) = 0;
  // Signed sets (SqlEventStoreFingerprints.cpp): fingerprint sets (schema migration 10) and
  // exact-data-match sets (migration 12), each with its uploaded parts (a fingerprint set's documents,
  // an EDM upload's parts of rows). Parts are replaced by (set, id). putSet stores record only when
  // the stored version is record.version - 1 (0: none yet) and answers false otherwise (another
  // collector was faster: build again).
  virtual common::Status addSetDocuments(SetKind kind, const std::vector<FingerprintDocumentRecord>& documents) = 0;
  // With hashes when withHashes, else with hashes empty.
  virtual common::Result<std::vector<FingerprintDocumentRecord>> setDocuments(SetKind kind, const std::string& set,
                                                                              bool withHashes) = 0;
  // Deletes a set's parts, keeping the set (an EDM upload's parts once its artifact is built).
  virtual common::Status clearSetDocuments(SetKind kind, const std::string& set) = 0;
  virtual common::Result<bool> putSet(SetKind kind, const FingerprintSetRecord& record) = 0;
  // Without the envelope; removed sets are listed with an empty envelope.
  virtual common::Result<std::vector<FingerprintSetRecord>> listSets(SetKind kind) = 0;
  virtual common::Result<std::optional<FingerprintSetRecord>> findSet(SetKind kind, const std::string& name) = 0;
  // Deletes the set's parts and empties its envelope (the version stays): false when unknown.
  virtual common::Result<bool> removeSet(SetKind kind, const std::string& name, std::int64_t nowMs) = 0;

  common::Status addFingerprintDocuments(const std::vector<FingerprintDocumentRecord>& documents) {
    return addSetDocuments(SetKind::kFingerprint, documents);
  }
  common::Result<std::vector<FingerprintDocumentRecord>> fingerprintDocuments(const std::string& set, bool withHashes) {
    return setDocuments(SetKind::kFingerprint, set, withHashes);
  }
  common::Result<bool> putFingerprintSet(const FingerprintSetRecord& record) {
    return putSet(SetKind::kFingerprint, record);
  }
  common::Result<std::vector<FingerprintSetRecord>> listFingerprintSets() { return listSets(SetKind::kFingerprint); }
  common::Result<std::optional<FingerprintSetRecord>> fingerprintSet(const std::string& name) {
    return findSet(SetKind::kFingerprint, name);
  }
  common::Result<bool> removeFingerprintSet(const std::string& name, std::int64_t nowMs) {
    return removeSet(SetKind::kFingerprint, name, nowMs);
  }

  // Exception requests (schema migration 11, SqlEventStoreRequests.cpp). A request still pending
  // but created before pendingSinceMs is expired: it neither counts against maxPendingPerAgent nor
  // can be decided. decideExceptionRequest sets state, minutes, note, response, decidedBy and
  // decidedMs of a pending request in one step (two administrators at once: one wins).
  virtual common::Result<AddRequestResult> addExceptionRequest(const ExceptionRequestRecord& record,
                                                               std::size_t maxPendingPerAgent,
                                                               std::int64_t pendingSinceMs) = 0;
  virtual common::Result<std::vector<ExceptionRequestRecord>> listExceptionRequests(
      const ExceptionRequestQuery& query) = 0;
  virtual common::Result<std::optional<ExceptionRequestRecord>> exceptionRequest(const std::string& id) = 0;
  virtual common::Result<DecideOutcome> decideExceptionRequest(const ExceptionRequestRecord& decision,
                                                               std::int64_t pendingSinceMs) = 0;

  // The administrators' audit trail (schema migration 8, SqlEventStoreAudit.cpp). One append at a
  // time across every collector of the database (an advisory lock on PostgreSQL, the write lock on
  // SQLite), so the chain stays linear; the same transaction stores the record as an admin.<action>
  // event, which the SIEM forwarders send on like any other (docs/events.md).
  common::Result<audit::AuditRecord> appendAudit(const audit::AuditEntry& entry) {
    auto appended = appendAuditWith([&entry](const audit::AuditRecord*) { return entry; });
    if (!appended) return appended.error();
    return std::move(*appended.value());
  }
  // The general form: nullopt when make chose to append nothing.
  virtual common::Result<std::optional<audit::AuditRecord>> appendAuditWith(const AuditEntryFactory& make) = 0;
  virtual common::Result<std::vector<audit::AuditRecord>> listAudit(const AuditQuery& query) = 0;
};

struct StoreOptions {
  std::size_t maxSessions = 8;  // pooled database connections
  int busyTimeoutMs = 5000;     // SQLite: how long a writer waits for the lock
  // SQLite: add stored events to the overview's hourly counts (migration 9). Off only in
  // bench/OverviewBench.cpp, for the reference ingest rate without them.
  bool keepOverviewCounts = true;
};

// Opens the store named by a --db URL ("sqlite:/path/collector.db", "postgresql://..."), creating
// the schema or migrating it to the newest version.
common::Result<std::unique_ptr<EventStore>> openEventStore(const std::string& dbUrl, const StoreOptions& options = {});

}  // namespace mamori::collector::store
