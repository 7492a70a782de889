// SqlEventStore: employees' exception requests and their answers (schema migration 11).

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace {

constexpr const char* kColumns =
    "id, agent_id, host, user_name, device_id, device_name, challenge, reason, minutes_asked, state, created_ms,"
    " decided_ms, decided_by, minutes, note, response";

// Rows of kColumns, column by column (Poco binds whole columns).
struct RequestColumns {
  std::vector<std::string> ids, agents, hosts, users, deviceIds, deviceNames, challenges, reasons, states, decidedBy,
      notes, responses;
  std::vector<Poco::Int64> minutesAsked, created, decided, minutes;

  std::vector<ExceptionRequestRecord> records() const {
    std::vector<ExceptionRequestRecord> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      out.push_back({ids[i], agents[i], hosts[i], users[i], deviceIds[i], deviceNames[i], challenges[i], reasons[i],
                     minutesAsked[i], states[i], created[i], decided[i], decidedBy[i], minutes[i], notes[i],
                     responses[i]});
    }
    return out;
  }
};

void select(Session& session, const std::string& text, RequestColumns& c, std::vector<std::string> stringParams,
            std::vector<Poco::Int64> intParams) {
  Poco::Data::Statement statement(session);
  statement << text;
  for (auto& param : stringParams) statement, use(param);
  for (auto& param : intParams) statement, use(param);
  statement, into(c.ids), into(c.agents), into(c.hosts), into(c.users), into(c.deviceIds), into(c.deviceNames),
      into(c.challenges), into(c.reasons), into(c.minutesAsked), into(c.states), into(c.created), into(c.decided),
      into(c.decidedBy), into(c.minutes), into(c.notes), into(c.responses);
  statement.execute();
}

}  // namespace

common::Result<AddRequestResult> SqlEventStore::addExceptionRequest(const ExceptionRequestRecord& record,
                                                                    std::size_t maxPendingPerAgent,
                                                                    std::int64_t pendingSinceMs) {
  AddRequestResult result;
  auto ran = runErased("storing an exception request", true, [&](Session& session) {
    std::string agent = record.agentId, challenge = record.challenge;
    Poco::Int64 since = pendingSinceMs;
    std::vector<std::string> waitingIds, waitingChallenges;
    session << sql(
        "SELECT id, challenge FROM exception_requests WHERE agent_id = ? AND state = 'pending' AND created_ms >= ?"
        " ORDER BY id"),
        use(agent), use(since), into(waitingIds), into(waitingChallenges), now;
    result.pending = static_cast<std::int64_t>(waitingIds.size());
    for (std::size_t i = 0; i < waitingIds.size(); ++i) {
      if (waitingChallenges[i] == challenge) {  // the agent sent it again (a retry): the same request
        result.outcome = AddRequestResult::Outcome::kAlreadyPending;
        result.id = waitingIds[i];
        return;
      }
    }
    if (waitingIds.size() >= maxPendingPerAgent) {
      result.outcome = AddRequestResult::Outcome::kTooMany;
      return;
    }
    std::string id = record.id, host = record.host, user = record.user, deviceId = record.deviceId,
                deviceName = record.deviceName, reason = record.reason;
    Poco::Int64 asked = record.minutesAsked, created = record.createdMs;
    session << sql(
        "INSERT INTO exception_requests (id, agent_id, host, user_name, device_id, device_name, challenge, reason,"
        " minutes_asked, state, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)"),
        use(id), use(agent), use(host), use(user), use(deviceId), use(deviceName), use(challenge), use(reason),
        use(asked), use(created), now;
    result.outcome = AddRequestResult::Outcome::kAdded;
    result.id = record.id;
    result.pending += 1;
  });
  if (!ran) return ran.error();
  return result;
}

common::Result<std::vector<ExceptionRequestRecord>> SqlEventStore::listExceptionRequests(
    const ExceptionRequestQuery& query) {
  RequestColumns columns;
  auto ran = runErased("listing exception requests", false, [&](Session& session) {
    std::string text = std::string("SELECT ") + kColumns + " FROM exception_requests";
    std::vector<std::string> strings;
    std::vector<Poco::Int64> ints;
    std::string where;
    if (!query.agentId.empty()) {
      where += " agent_id = ?";
      strings.push_back(query.agentId);
    }
    if (query.decidedSinceMs) {
      where += std::string(where.empty() ? "" : " AND") + " state <> 'pending' AND decided_ms >= ?";
      ints.push_back(*query.decidedSinceMs);
    }
    if (!where.empty()) text += " WHERE" + where;
    text += " ORDER BY id DESC LIMIT ?";
    ints.push_back(static_cast<Poco::Int64>(query.limit));
    select(session, sql(text), columns, std::move(strings), std::move(ints));
  });
  if (!ran) return ran.error();
  return columns.records();
}

common::Result<std::optional<ExceptionRequestRecord>> SqlEventStore::exceptionRequest(const std::string& id) {
  RequestColumns columns;
  auto ran = runErased("reading an exception request", false, [&](Session& session) {
    select(session, sql(std::string("SELECT ") + kColumns + " FROM exception_requests WHERE id = ?"), columns, {id},
           {});
  });
  if (!ran) return ran.error();
  auto records = columns.records();
  if (records.empty()) return std::optional<ExceptionRequestRecord>();
  return std::optional<ExceptionRequestRecord>(std::move(records.front()));
}

common::Result<DecideOutcome> SqlEventStore::decideExceptionRequest(const ExceptionRequestRecord& decision,
                                                                    std::int64_t pendingSinceMs) {
  DecideOutcome outcome = DecideOutcome::kNotFound;
  auto ran = runErased("answering an exception request", true, [&](Session& session) {
    std::string id = decision.id;
    std::vector<std::string> states;
    std::vector<Poco::Int64> created;
    // The row is locked until the answer is stored: of two administrators answering at once on
    // two collectors, the second sees it answered. (SQLite's BEGIN IMMEDIATE serialises writers.)
    const std::string lock = target_.backend == Backend::PostgreSQL ? " FOR UPDATE" : "";
    session << sql("SELECT state, created_ms FROM exception_requests WHERE id = ?" + lock), use(id), into(states),
        into(created), now;
    if (states.empty()) return;
    if (states.front() != "pending" || created.front() < pendingSinceMs) {
      outcome = DecideOutcome::kNotPending;
      return;
    }
    std::string state = decision.state, by = decision.decidedBy, note = decision.note, response = decision.response;
    Poco::Int64 decided = decision.decidedMs, minutes = decision.minutes;
    session << sql(
        "UPDATE exception_requests SET state = ?, decided_ms = ?, decided_by = ?, minutes = ?, note = ?,"
        " response = ? WHERE id = ?"),
        use(state), use(decided), use(by), use(minutes), use(note), use(response), use(id), now;
    outcome = DecideOutcome::kDecided;
  });
  if (!ran) return ran.error();
  return outcome;
}

}  // namespace mamori::collector::store
