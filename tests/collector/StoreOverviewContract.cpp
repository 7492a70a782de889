#include "tests/collector/StoreOverviewContract.h"

#include <Poco/Data/Session.h>
#include <doctest/doctest.h>

#include <map>
#include <tuple>
#include <vector>

#include "collector/store/EventStore.h"
#include "common/Uuid7.h"

namespace mamori::collector::test {

namespace {

using namespace Poco::Data::Keywords;
using common::Event;
using common::Severity;

constexpr std::int64_t kHour = 3'600'000;
// 2026-12-01T00:00:00Z: a fixed day, so buckets are known.
constexpr std::int64_t kDay0 = 1'796'083'200'000;

Event makeEvent(common::Uuid7Generator& ids, std::int64_t timeMs, const std::string& type, Severity severity,
                const std::string& host, const std::string& user) {
  Event e;
  e.id = ids.next(timeMs);
  e.timeMs = timeMs;
  e.type = type;
  e.severity = severity;
  e.agentId = "overview-agent";
  e.host = host;
  e.user = user;
  return e;
}

std::int64_t countOf(const std::vector<store::CountBucket>& buckets, std::int64_t start, const std::string& type,
                     Severity severity) {
  std::int64_t total = 0;
  for (const auto& b : buckets) {
    if (b.startMs == start && b.type == type && b.severity == static_cast<int>(severity)) total += b.count;
  }
  return total;
}

}  // namespace

void checkCountsMatchEvents(Poco::Data::Session& session) {
  using Key = std::tuple<Poco::Int64, std::string, int>;
  std::vector<Poco::Int64> hours, counts;
  std::vector<std::string> types;
  std::vector<int> severities;
  session << "SELECT time_ms - (time_ms % 3600000), type, severity, count(*) FROM events GROUP BY 1, 2, 3", into(hours),
      into(types), into(severities), into(counts), now;
  std::map<Key, Poco::Int64> fromEvents, fromRollup;
  for (std::size_t i = 0; i < hours.size(); ++i) fromEvents[{hours[i], types[i], severities[i]}] = counts[i];
  hours.clear(), types.clear(), severities.clear(), counts.clear();
  session << "SELECT hour_ms, type, severity, n FROM event_counts WHERE n <> 0", into(hours), into(types),
      into(severities), into(counts), now;
  for (std::size_t i = 0; i < hours.size(); ++i) fromRollup[{hours[i], types[i], severities[i]}] = counts[i];
  CHECK(fromRollup == fromEvents);
  Poco::Int64 high = 0, rolledHigh = 0;
  session << "SELECT count(*) FROM events WHERE severity >= 3", into(high), now;
  session << "SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM event_counts_hosts", into(rolledHigh), now;
  CHECK(rolledHigh == high);
}

void checkOverviewContract(store::EventStore& store, Poco::Data::Session& session, std::int64_t nowMs) {
  common::Uuid7Generator ids;
  std::vector<Event> batch;
  batch.reserve(9);  // the nine events below
  // Day 0, 01:xx UTC: three device blocks (two high on pc-1 by 山田, one critical on pc-2 by sato),
  // five infos. Day 0, 20:xx UTC (day 1 in Japan): one high p2p stop on pc-2.
  for (int i = 0; i < 2; ++i) {
    batch.push_back(
        makeEvent(ids, kDay0 + kHour + i * std::int64_t{1000}, "device.blocked", Severity::High, "pc-1", "山田"));
  }
  batch.push_back(makeEvent(ids, kDay0 + kHour + 5000, "device.blocked", Severity::Critical, "pc-2", "sato"));
  for (int i = 0; i < 5; ++i) {
    batch.push_back(makeEvent(ids, kDay0 + kHour + 10'000 + i, "agent.synthetic", Severity::Info, "pc-1", "山田"));
  }
  batch.push_back(makeEvent(ids, kDay0 + 20 * kHour, "p2p.killed", Severity::High, "pc-2", "sato"));
  REQUIRE(store.insertEvents("overview-agent", batch, nowMs).ok());
  // The same batch again: duplicates are not stored, so they are not counted either.
  auto again = store.insertEvents("overview-agent", batch, nowMs);
  REQUIRE(again.ok());
  CHECK(again.value().accepted == 0);

  store::CountsQuery hours{kDay0, kDay0 + 24 * kHour, kHour, 0};
  auto counts = store.eventCounts(hours);
  REQUIRE(counts.ok());
  CHECK(countOf(counts.value(), kDay0 + kHour, "device.blocked", Severity::High) == 2);
  CHECK(countOf(counts.value(), kDay0 + kHour, "device.blocked", Severity::Critical) == 1);
  CHECK(countOf(counts.value(), kDay0 + kHour, "agent.synthetic", Severity::Info) == 5);
  CHECK(countOf(counts.value(), kDay0 + 20 * kHour, "p2p.killed", Severity::High) == 1);
  CHECK(counts.value().size() == 4);

  // Days in Japan (UTC+9): 01:00 UTC is day 0 in Japan (it began at day 0 - 9 h), 20:00 UTC is the next.
  store::CountsQuery days{kDay0 - 9 * kHour, kDay0 + 39 * kHour, 24 * kHour, 9 * kHour};
  auto byDay = store.eventCounts(days);
  REQUIRE(byDay.ok());
  CHECK(countOf(byDay.value(), kDay0 - 9 * kHour, "device.blocked", Severity::High) == 2);
  CHECK(countOf(byDay.value(), kDay0 + 15 * kHour, "p2p.killed", Severity::High) == 1);
  // A range that ends before the second hour sees only the first.
  auto firstHours = store.eventCounts({kDay0, kDay0 + 2 * kHour, kHour, 0});
  REQUIRE(firstHours.ok());
  CHECK(firstHours.value().size() == 3);

  auto hosts = store.topHosts(hours, 10);
  REQUIRE(hosts.ok());
  REQUIRE(hosts.value().size() == 2);
  CHECK(hosts.value()[0].name == "pc-1");  // 2 high; pc-2 has 1 high + 1 critical: equal, then by name
  CHECK(hosts.value()[0].high == 2);
  CHECK(hosts.value()[1].name == "pc-2");
  CHECK(hosts.value()[1].high == 1);
  CHECK(hosts.value()[1].critical == 1);
  auto users = store.topUsers({kDay0, kDay0 + 2 * kHour, kHour, 0}, 1);
  REQUIRE(users.ok());
  REQUIRE(users.value().size() == 1);
  CHECK(users.value()[0].name == "山田");
  CHECK(users.value()[0].high == 2);

  // Fleet: one agent current, one on an old version, one that refused, one silent with none.
  REQUIRE(store.putGroupPolicy({"ov-group", 3, "v3", "sha", "key", "{}", nowMs}).ok());
  const std::vector<std::tuple<std::string, std::int64_t, std::string, std::int64_t>> agents = {
      {"ov-current", 3, "", nowMs},
      {"ov-old", 2, "", nowMs},
      {"ov-refused", 3, "bad signature", nowMs},
      {"ov-silent", 0, "", nowMs - std::int64_t{10} * 60'000}};
  for (const auto& [id, version, error, seen] : agents) {
    store::AgentRecord agent{id, "pc-" + id, "os", "0.1", nowMs, seen, 0, 0, 0, "ov-group", {}};
    REQUIRE(store.enrollAgent(agent, "key-" + id).ok());
    if (version > 0) {
      store::HeartbeatUpdate beat{id, seen, {}, {}, {}, {}};
      beat.policy = store::AgentPolicyStatus{version, "sha", "collector", nowMs, error};
      REQUIRE(store.recordHeartbeat(beat).value());
    }
  }
  auto fleet = store.fleetHealth(nowMs, 60'000, 3);
  REQUIRE(fleet.ok());
  CHECK(fleet.value().agents == 4);
  CHECK(fleet.value().online == 3);
  CHECK(fleet.value().silent == 1);
  CHECK(fleet.value().policyCurrent == 1);
  CHECK(fleet.value().policyOld == 1);
  CHECK(fleet.value().policyRefused == 1);
  CHECK(fleet.value().policyNone == 1);

  // One group's counts (the weekly report per group) come from its agents' events: the same numbers
  // as the rollup's when the group holds the only agent with events, none for a group without.
  store::AgentRecord reporter{"overview-agent", "pc-1", "os", "0.1", nowMs, nowMs, 0, 0, 0, "ov-reports", {}};
  REQUIRE(store.enrollAgent(reporter, "key-overview-agent").ok());
  store::CountsQuery grouped = days;
  grouped.group = "ov-reports";
  auto groupDays = store.eventCounts(grouped);
  REQUIRE(groupDays.ok());
  CHECK(groupDays.value().size() == byDay.value().size());
  CHECK(countOf(groupDays.value(), kDay0 - 9 * kHour, "device.blocked", Severity::High) == 2);
  CHECK(countOf(groupDays.value(), kDay0 - 9 * kHour, "device.blocked", Severity::Critical) == 1);
  CHECK(countOf(groupDays.value(), kDay0 + 15 * kHour, "p2p.killed", Severity::High) == 1);
  auto groupHosts = store.topHosts({kDay0, kDay0 + 24 * kHour, kHour, 0, "ov-reports"}, 10);
  REQUIRE(groupHosts.ok());
  REQUIRE(groupHosts.value().size() == 2);
  CHECK(groupHosts.value()[0].name == "pc-1");
  CHECK(groupHosts.value()[1].critical == 1);
  grouped.group = "ov-group";
  auto emptyGroup = store.eventCounts(grouped);
  REQUIRE(emptyGroup.ok());
  CHECK(emptyGroup.value().empty());
  auto emptyUsers = store.topUsers({kDay0, kDay0 + 24 * kHour, kHour, 0, "ov-group"}, 10);
  REQUIRE(emptyUsers.ok());
  CHECK(emptyUsers.value().empty());
  // A hostile group name is a bound value, never SQL.
  grouped.group = "x' OR '1'='1";
  auto hostile = store.eventCounts(grouped);
  REQUIRE(hostile.ok());
  CHECK(hostile.value().empty());

  checkCountsMatchEvents(session);
}

}  // namespace mamori::collector::test
