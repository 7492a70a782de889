// SqlEventStore: the console overview's counts (schema migration 9, docs/decisions/0030). They are
// read from the hourly rollup tables that the database's triggers keep, never from events itself:
// a month holds at most 744 hours per type and severity, whatever the number of events.

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

// Every number below is the collector's own (validated by the API), so it goes into the text:
// PostgreSQL would otherwise need a type for each parameter of an arithmetic expression.
std::string rangeCondition(const CountsQuery& query) {
  return " WHERE hour_ms >= " + std::to_string(query.sinceMs) + " AND hour_ms < " + std::to_string(query.untilMs);
}

// The rows counted for a query: the rollup table (`rollup`, one row per hour with its count n), or for
// one group the events of its agents (one row per event, n = 1), with the hour, host and user under
// the rollup's column names; `highOnly` as event_counts_hosts, which holds high and critical events
// only. The group name is bound as a parameter. Events of no enrolled agent (the audit trail's
// admin.*) never join an agent, so no group holds them.
std::string countedRows(const CountsQuery& query, const char* rollup, bool highOnly) {
  if (query.group.empty()) return std::string(" FROM ") + rollup + rangeCondition(query);
  return std::string(
             " FROM (SELECT (e.time_ms / 3600000) * 3600000 AS hour_ms, e.type, e.severity, e.host,"
             " e.user_name, 1 AS n FROM events e JOIN agents a ON a.agent_id = e.agent_id"
             " WHERE a.agent_group = ? AND e.time_ms >= ") +
         std::to_string(query.sinceMs) + " AND e.time_ms < " + std::to_string(query.untilMs) +
         (highOnly ? " AND e.severity >= 3" : "") + ") counted WHERE 1 = 1";
}

}  // namespace

common::Result<std::vector<CountBucket>> SqlEventStore::eventCounts(const CountsQuery& query) {
  std::vector<CountBucket> buckets;
  auto ran = runErased("counting events for the overview", false, [&](Session& session) {
    const std::string size = std::to_string(query.bucketMs), offset = std::to_string(query.offsetMs);
    std::vector<Poco::Int64> starts, counts;
    std::vector<std::string> types;
    std::vector<int> severities;
    Statement statement(session);
    statement << sql("SELECT ((hour_ms + " + offset + ") / " + size + ") * " + size + " - " + offset +
                     ", type, severity, CAST(SUM(n) AS BIGINT)" + countedRows(query, "event_counts", false) +
                     " AND type NOT LIKE 'admin.%' GROUP BY 1, 2, 3 HAVING SUM(n) > 0 ORDER BY 1, 2, 3"),
        into(starts), into(types), into(severities), into(counts);
    if (!query.group.empty()) statement, bind(query.group);
    statement.execute();
    buckets.reserve(starts.size());
    for (std::size_t i = 0; i < starts.size(); ++i) {
      buckets.push_back(CountBucket{starts[i], std::move(types[i]), severities[i], counts[i]});
    }
  });
  if (!ran) return ran.error();
  return buckets;
}

common::Result<std::vector<TopEntry>> SqlEventStore::topBy(const char* column, const CountsQuery& query,
                                                           std::size_t limit) {
  std::vector<TopEntry> top;
  auto ran = runErased("ranking hosts and users for the overview", false, [&](Session& session) {
    const std::string name = column;
    std::vector<std::string> names;
    std::vector<Poco::Int64> high, critical;
    Statement statement(session);
    statement << sql("SELECT " + name +
                     ", CAST(SUM(CASE WHEN severity = 3 THEN n ELSE 0 END) AS BIGINT),"
                     " CAST(SUM(CASE WHEN severity >= 4 THEN n ELSE 0 END) AS BIGINT)" +
                     countedRows(query, "event_counts_hosts", true) + " GROUP BY " + name +
                     " HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, " + name + " LIMIT " + std::to_string(limit)),
        into(names), into(high), into(critical);
    if (!query.group.empty()) statement, bind(query.group);
    statement.execute();
    for (std::size_t i = 0; i < names.size(); ++i) top.push_back(TopEntry{std::move(names[i]), high[i], critical[i]});
  });
  if (!ran) return ran.error();
  return top;
}

common::Result<std::vector<TopEntry>> SqlEventStore::topHosts(const CountsQuery& query, std::size_t limit) {
  return topBy("host", query, limit);
}

common::Result<std::vector<TopEntry>> SqlEventStore::topUsers(const CountsQuery& query, std::size_t limit) {
  return topBy("user_name", query, limit);
}

common::Result<FleetHealth> SqlEventStore::fleetHealth(std::int64_t nowMs, std::int64_t defaultIntervalMs,
                                                       std::int64_t silentAfterIntervals) {
  FleetHealth health;
  auto ran = runErased("summing up the fleet for the overview", false, [&](Session& session) {
    // One pass over agents (one row per PC) joined to the groups' current policies.
    const std::string healthy = "a.policy_error = '' AND g.version IS NOT NULL AND a.policy_version > 0";
    Poco::Int64 agents = 0, silent = 0, refused = 0, current = 0, old = 0;
    session << "SELECT count(*), CAST(COALESCE(SUM(CASE WHEN " + std::to_string(nowMs) + " - a.last_seen_ms > " +
                   std::to_string(silentAfterIntervals) +
                   " * (CASE WHEN a.heartbeat_interval_ms > 0 THEN a.heartbeat_interval_ms ELSE " +
                   std::to_string(defaultIntervalMs) +
                   " END) THEN 1 ELSE 0 END), 0) AS BIGINT),"
                   " CAST(COALESCE(SUM(CASE WHEN a.policy_error <> '' THEN 1 ELSE 0 END), 0) AS BIGINT),"
                   " CAST(COALESCE(SUM(CASE WHEN " +
                   healthy +
                   " AND a.policy_version >= g.version THEN 1 ELSE 0 END), 0) AS BIGINT),"
                   " CAST(COALESCE(SUM(CASE WHEN " +
                   healthy +
                   " AND a.policy_version < g.version THEN 1 ELSE 0 END), 0) AS BIGINT)"
                   " FROM agents a LEFT JOIN group_policies g ON g.agent_group = a.agent_group",
        into(agents), into(silent), into(refused), into(current), into(old), now;
    health = FleetHealth{agents, agents - silent, silent, current, old, refused, agents - current - old - refused};
  });
  if (!ran) return ran.error();
  return health;
}

}  // namespace mamori::collector::store
