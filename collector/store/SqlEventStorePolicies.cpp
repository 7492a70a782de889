// SqlEventStore: agent groups and the signed policy of each group (schema migration 2).

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

common::Result<std::optional<std::string>> SqlEventStore::agentGroup(const std::string& agentId) {
  std::optional<std::string> group;
  auto ran = runErased("looking up an agent's group", false, [&](Session& session) {
    std::string id = agentId;
    std::vector<std::string> groups;
    session << sql("SELECT agent_group FROM agents WHERE agent_id = ?"), use(id), into(groups), now;
    if (!groups.empty()) group = groups.front();
  });
  if (!ran) return ran.error();
  return group;
}

common::Result<bool> SqlEventStore::setAgentGroup(const std::string& agentId, const std::string& group) {
  bool found = false;
  auto ran = runErased("changing an agent's group", true, [&](Session& session) {
    std::string id = agentId, newGroup = group;
    std::vector<std::string> ids;
    session << sql("SELECT agent_id FROM agents WHERE agent_id = ?"), use(id), into(ids), now;
    if (ids.empty()) return;
    // The agent reports a new status once it applied the new group's policy; until then the old
    // status would be misleading, so it is cleared.
    session << sql("UPDATE agents SET agent_group = ?, policy_error = '' WHERE agent_id = ?"), use(newGroup), use(id),
        now;
    found = true;
  });
  if (!ran) return ran.error();
  return found;
}

common::Result<PutPolicyResult> SqlEventStore::putGroupPolicy(const GroupPolicy& policy) {
  PutPolicyResult result;
  auto ran = runErased("storing a group policy", true, [&](Session& session) {
    std::string group = policy.group, name = policy.name, sha = policy.sha256, keyId = policy.keyId,
                envelope = policy.envelope;
    Poco::Int64 version = policy.version, pushed = policy.pushedMs;
    std::vector<Poco::Int64> stored;
    session << sql("SELECT version FROM group_policies WHERE agent_group = ?"), use(group), into(stored), now;
    if (!stored.empty() && stored.front() >= version) {
      // Also an identical re-push: Ed25519 signatures are deterministic, so the envelope would
      // compare equal below although nothing new was stored.
      result.currentVersion = stored.front();
      return;
    }
    // One statement decides: the row changes only for a greater version, so two collectors pushing
    // at once serialize on the row and the loser sees the winner's version below.
    session << sql(
        "INSERT INTO group_policies (agent_group, version, name, sha256, key_id, envelope, pushed_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_group) DO UPDATE SET"
        " version = excluded.version, name = excluded.name, sha256 = excluded.sha256,"
        " key_id = excluded.key_id, envelope = excluded.envelope, pushed_ms = excluded.pushed_ms"
        " WHERE group_policies.version < excluded.version"),
        use(group), use(version), use(name), use(sha), use(keyId), use(envelope), use(pushed), now;
    Poco::Int64 current = 0;
    std::string currentEnvelope;
    session << sql("SELECT version, envelope FROM group_policies WHERE agent_group = ?"), use(group), into(current),
        into(currentEnvelope), now;
    result.currentVersion = current;
    result.stored = current == version && currentEnvelope == envelope;
  });
  if (!ran) return ran.error();
  return result;
}

namespace {

constexpr const char* kPolicyColumns = "agent_group, version, name, sha256, key_id, envelope, pushed_ms";

std::vector<GroupPolicy> readPolicies(Poco::Data::Statement& statement) {
  std::vector<std::string> groups, names, shas, keyIds, envelopes;
  std::vector<Poco::Int64> versions, pushed;
  statement, into(groups), into(versions), into(names), into(shas), into(keyIds), into(envelopes), into(pushed);
  statement.execute();
  std::vector<GroupPolicy> policies;
  policies.reserve(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    policies.push_back(GroupPolicy{groups[i], versions[i], names[i], shas[i], keyIds[i], envelopes[i], pushed[i]});
  }
  return policies;
}

}  // namespace

common::Result<std::optional<GroupPolicy>> SqlEventStore::groupPolicy(const std::string& group) {
  std::optional<GroupPolicy> found;
  auto ran = runErased("reading a group policy", false, [&](Session& session) {
    Poco::Data::Statement statement(session);
    std::string wanted = group;
    statement << sql(std::string("SELECT ") + kPolicyColumns + " FROM group_policies WHERE agent_group = ?"),
        use(wanted);
    auto policies = readPolicies(statement);
    if (!policies.empty()) found = std::move(policies.front());
  });
  if (!ran) return ran.error();
  return found;
}

common::Result<std::vector<GroupPolicy>> SqlEventStore::listGroupPolicies() {
  std::vector<GroupPolicy> policies;
  auto ran = runErased("listing group policies", false, [&](Session& session) {
    Poco::Data::Statement statement(session);
    statement << std::string("SELECT ") + kPolicyColumns + " FROM group_policies ORDER BY agent_group";
    policies = readPolicies(statement);
  });
  if (!ran) return ran.error();
  return policies;
}

}  // namespace mamori::collector::store
