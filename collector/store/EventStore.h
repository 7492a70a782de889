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
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  std::optional<AgentPolicyStatus> policy;  // set when the heartbeat carried policy.* details
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
  std::string afterId;                  // cursor: only ids greater than this; "" = from the start
  std::optional<std::int64_t> sinceMs;  // time_ms >= since
  std::optional<std::int64_t> untilMs;  // time_ms < until
  std::size_t limit = 1000;
};

struct EventPage {
  std::vector<EventRow> events;
  bool more = false;  // true when at least one more event matches after the last one returned
};

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
};

struct StoreOptions {
  std::size_t maxSessions = 8;  // pooled database connections
  int busyTimeoutMs = 5000;     // SQLite: how long a writer waits for the lock
};

// Opens the store named by a --db URL ("sqlite:/path/collector.db", "postgresql://..."), creating
// the schema or migrating it to the newest version.
common::Result<std::unique_ptr<EventStore>> openEventStore(const std::string& dbUrl, const StoreOptions& options = {});

}  // namespace mamori::collector::store
