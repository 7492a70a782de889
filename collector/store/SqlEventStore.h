#pragma once
// EventStore over Poco::Data, for SQLite and PostgreSQL. The SQL is shared; the few differences
// (write-lock statement, bulk insert form, placeholders) are chosen by the backend.

#include <functional>
#include <memory>
#include <string>

#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "collector/store/SessionPool.h"

namespace mamori::collector::store {

class SqlEventStore final : public EventStore {
 public:
  // Connects, applies migrations. Errors name the database (without its password).
  static common::Result<std::unique_ptr<SqlEventStore>> open(const DbTarget& target, const StoreOptions& options);

  std::string backendName() const override;
  common::Status ping() override;
  common::Status enrollAgent(const AgentRecord& agent, const std::string& nodeKeySha256) override;
  common::Result<std::optional<std::string>> agentForKey(const std::string& nodeKeySha256) override;
  common::Result<InsertCounts> insertEvents(const std::string& agentId, const std::vector<common::Event>& events,
                                            std::int64_t receivedMs) override;
  common::Result<bool> recordHeartbeat(const HeartbeatUpdate& update) override;
  common::Result<std::size_t> recordHeartbeats(const std::vector<HeartbeatUpdate>& updates) override;
  common::Result<RetentionReport> enforceRetention(const RetentionPolicy& policy, std::int64_t nowMs) override;
  common::Result<EventPage> queryEvents(const EventQuery& query) override;
  common::Result<std::vector<AgentRecord>> listAgents() override;
  common::Result<std::optional<std::string>> agentGroup(const std::string& agentId) override;
  common::Result<bool> setAgentGroup(const std::string& agentId, const std::string& group) override;
  common::Result<PutPolicyResult> putGroupPolicy(const GroupPolicy& policy) override;
  common::Result<std::optional<GroupPolicy>> groupPolicy(const std::string& group) override;
  common::Result<std::vector<GroupPolicy>> listGroupPolicies() override;
  common::Result<int> schemaVersion() override;
  common::Result<bool> addConsoleUser(const ConsoleUser& user) override;
  common::Result<bool> setConsolePassword(const std::string& name, const std::string& passwordHash) override;
  common::Result<bool> removeConsoleUser(const std::string& name) override;
  common::Result<std::optional<ConsoleUser>> consoleUser(const std::string& name) override;
  common::Result<std::vector<ConsoleUser>> listConsoleUsers() override;
  common::Status createConsoleSession(const ConsoleSession& session, std::int64_t staleBeforeMs,
                                      std::int64_t expiredBeforeMs) override;
  common::Result<std::optional<ConsoleSession>> consoleSession(const std::string& idSha256) override;
  common::Status touchConsoleSession(const std::string& idSha256, std::int64_t nowMs) override;
  common::Status deleteConsoleSession(const std::string& idSha256) override;
  common::Result<LoginFailures> loginFailures(const std::string& subject) override;
  common::Status setLoginFailures(const std::string& subject, const LoginFailures& failures) override;
  common::Status putIncidentState(const IncidentState& state) override;
  common::Result<std::vector<IncidentState>> listIncidentStates() override;
  common::Result<bool> addInspection(const InspectionRecord& record) override;
  common::Result<std::vector<InspectionRecord>> listInspections(std::int64_t limit) override;
  common::Result<std::optional<InspectionRecord>> inspection(const std::string& id) override;
  common::Result<std::vector<CountBucket>> eventCounts(const CountsQuery& query) override;
  common::Result<std::vector<TopEntry>> topHosts(const CountsQuery& query, std::size_t limit) override;
  common::Result<std::vector<TopEntry>> topUsers(const CountsQuery& query, std::size_t limit) override;
  common::Result<FleetHealth> fleetHealth(std::int64_t nowMs, std::int64_t defaultIntervalMs,
                                          std::int64_t silentAfterIntervals) override;
  common::Status addSetDocuments(SetKind kind, const std::vector<FingerprintDocumentRecord>& documents) override;
  common::Result<std::vector<FingerprintDocumentRecord>> setDocuments(SetKind kind, const std::string& set,
                                                                      bool withHashes) override;
  common::Status clearSetDocuments(SetKind kind, const std::string& set) override;
  common::Result<bool> putSet(SetKind kind, const FingerprintSetRecord& record) override;
  common::Result<std::vector<FingerprintSetRecord>> listSets(SetKind kind) override;
  common::Result<std::optional<FingerprintSetRecord>> findSet(SetKind kind, const std::string& name) override;
  common::Result<bool> removeSet(SetKind kind, const std::string& name, std::int64_t nowMs) override;
  common::Result<AddRequestResult> addExceptionRequest(const ExceptionRequestRecord& record,
                                                       std::size_t maxPendingPerAgent,
                                                       std::int64_t pendingSinceMs) override;
  common::Result<std::vector<ExceptionRequestRecord>> listExceptionRequests(
      const ExceptionRequestQuery& query) override;
  common::Result<std::optional<ExceptionRequestRecord>> exceptionRequest(const std::string& id) override;
  common::Result<DecideOutcome> decideExceptionRequest(const ExceptionRequestRecord& decision,
                                                       std::int64_t pendingSinceMs) override;
  common::Result<std::optional<audit::AuditRecord>> appendAuditWith(const AuditEntryFactory& make) override;
  common::Result<std::vector<audit::AuditRecord>> listAudit(const AuditQuery& query) override;

 private:
  SqlEventStore(DbTarget target, const StoreOptions& options);

  // Runs body on a pooled session, inside a write transaction when `write`; a Poco exception rolls
  // back, drops the connection and becomes an Error saying `what` failed.
  template <typename T, typename Body>
  common::Result<T> run(const char* what, bool write, Body&& body);

  // run() with the body type erased, for the member functions defined in SqlEventStorePolicies.cpp.
  common::Status runErased(const char* what, bool write, const std::function<void(Poco::Data::Session&)>& body);

  // "?" placeholders become "$1", "$2" ... for PostgreSQL.
  std::string sql(const std::string& text) const;

  InsertCounts insertSqlite(Poco::Data::Session& session, const std::vector<common::Event>& events,
                            std::int64_t receivedMs);
  InsertCounts insertPostgres(Poco::Data::Session& session, const std::vector<common::Event>& events,
                              std::int64_t receivedMs);

  common::Result<std::vector<TopEntry>> topBy(const char* column, const CountsQuery& query, std::size_t limit);

  DbTarget target_;
  StoreOptions options_;
  SessionPool pool_;
  int schemaVersion_ = 0;
};

}  // namespace mamori::collector::store
