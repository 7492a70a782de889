#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <set>
#include <string>

#include "collector/store/DbUrl.h"
#include "collector/store/EventPartitions.h"
#include "collector/store/EventStore.h"
#include "collector/store/Migrations.h"
#include "common/Clock.h"
#include "common/Uuid7.h"
#include "tests/collector/StoreContract.h"
#include "tests/collector/StoreOverviewContract.h"

using namespace mamori::collector;
using namespace Poco::Data::Keywords;
using mamori::common::Event;
using mamori::common::Uuid7Generator;

namespace {

// Never skipped silently: without a database these tests fail and say how to provide one.
std::string pgUrl() {
  const char* url = std::getenv("MAMORI_TEST_PG_URL");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  if (url == nullptr || *url == '\0') {
    FAIL(
        "MAMORI_TEST_PG_URL is not set: point it at a throwaway database, e.g. "
        "postgresql://postgres@127.0.0.1:55432/mamori_test (scripts start one), or exclude this test "
        "with ctest -LE postgresql");
  }
  return url;
}

// A database of its own in the same cluster (dropping partitions must not touch other tests' data).
std::string freshDatabase(const std::string& base, const std::string& prefix) {
  Poco::Data::PostgreSQL::Connector::registerConnector();
  Poco::Data::Session admin("PostgreSQL", store::parseDbUrl(base).value().connectionString);
  const std::string name = prefix + "_" + Uuid7Generator().next(mamori::common::SystemClock().nowMs()).substr(24);
  admin << "CREATE DATABASE " + name, now;
  return base.substr(0, base.rfind('/') + 1) + name;
}

Event event(const std::string& id, std::int64_t timeMs, const std::string& type) {
  Event e;
  e.id = id;
  e.timeMs = timeMs;
  e.type = type;
  e.agentId = "pg-agent";
  e.host = "pc";
  e.user = "u";
  return e;
}

std::int64_t count(Poco::Data::Session& session, const std::string& sql) {
  Poco::Int64 n = 0;
  session << sql, into(n), now;
  return n;
}

}  // namespace

TEST_CASE("PostgreSQL store fulfils the store contract") { mamori::collector::test::checkStoreContract(pgUrl()); }

TEST_CASE("PostgreSQL store keeps the overview's hourly counts") {
  const std::string url = freshDatabase(pgUrl(), "mamori_overview");
  auto opened = store::openEventStore(url);
  REQUIRE(opened.ok());
  Poco::Data::Session session("PostgreSQL", store::parseDbUrl(url).value().connectionString);
  mamori::collector::test::checkOverviewContract(*opened.value(), session, mamori::common::SystemClock().nowMs());
}

TEST_CASE("PostgreSQL: migration 7 moves an existing events table into weekly partitions, ids and positions kept") {
  const std::string url = freshDatabase(pgUrl(), "mamori_upgrade");
  const auto target = store::parseDbUrl(url).value();
  const std::int64_t nowMs = mamori::common::SystemClock().nowMs(), day = store::kDayMs;
  Poco::Data::Session session("PostgreSQL", target.connectionString);
  REQUIRE(store::migrateSchema(session, store::Backend::PostgreSQL, nowMs, 6) == 6);
  // Rows of an older collector: this week, 20 days ago, 5 years ago (older than any week made),
  // 10 weeks ahead (a PC whose clock runs fast).
  std::vector<std::string> ids;
  for (std::int64_t age : {0LL, 20LL, 5 * 365LL, -70LL}) {
    Uuid7Generator gen;
    for (int i = 0; i < 3; ++i) {
      std::string id = gen.next(nowMs - age * day + i);
      Poco::Int64 t = nowMs - age * day;
      session << "INSERT INTO events (id, agent_id, host, user_name, time_ms, type, severity, details, received_ms)"
                 " VALUES ($1, 'pg-agent', 'pc', 'u', $2, 'file.copied', 1, '{}', $2)",
          use(id), use(t), now;
      ids.push_back(id);
    }
  }
  std::vector<std::string> before;
  session << "SELECT id || ':' || ingest_tx || ':' || ingest_seq FROM events ORDER BY id", into(before), now;
  const auto maxSeq = count(session, "SELECT MAX(ingest_seq) FROM events");

  auto opened = store::openEventStore(url);
  REQUIRE(opened.ok());
  CHECK(opened.value()->schemaVersion().value() == store::migrations().back().version);
  std::vector<std::string> after;
  session << "SELECT id || ':' || ingest_tx || ':' || ingest_seq FROM events ORDER BY id", into(after), now;
  CHECK(after == before);
  CHECK(count(session, "SELECT count(*) FROM events_default") == 6);  // 5 years old and 10 weeks ahead
  CHECK(count(session, "SELECT count(*) FROM pg_class WHERE relname = 'events_unpartitioned'") == 0);
  const auto partitions = store::listEventPartitions(session);
  REQUIRE_FALSE(partitions.empty());
  CHECK(partitions.front().startMs <= nowMs - 20 * day);
  CHECK(partitions.back().endMs > nowMs + 3 * store::kPartitionWeekMs);

  // Exactly once across the move: the same ids again are duplicates; new rows continue the sequence.
  std::vector<Event> again;
  again.reserve(ids.size());
  for (const auto& id : ids) again.push_back(event(id, nowMs, "file.copied"));
  auto counts = opened.value()->insertEvents("pg-agent", again, nowMs);
  REQUIRE(counts.ok());
  CHECK(counts.value().accepted == 0);
  CHECK(counts.value().duplicates == ids.size());
  Uuid7Generator gen;
  REQUIRE(opened.value()->insertEvents("pg-agent", {event(gen.next(nowMs), nowMs, "file.copied")}, nowMs).ok());
  CHECK(count(session, "SELECT MAX(ingest_seq) FROM events") > maxSeq);

  // The week the fast clock wrote into is made: its rows leave events_default, still unique.
  session.begin();
  CHECK(store::ensureEventPartitions(session, nowMs + 70 * day, nowMs + 70 * day) == 1);
  session.commit();
  CHECK(count(session, "SELECT count(*) FROM events_default") == 3);
  counts = opened.value()->insertEvents("pg-agent", again, nowMs);
  REQUIRE(counts.ok());
  CHECK(counts.value().duplicates == ids.size());
  CHECK(count(session, "SELECT count(*) FROM events") == static_cast<std::int64_t>(ids.size()) + 1);
}

TEST_CASE("PostgreSQL: retention drops whole weeks, deletes the rest in batches, one collector at a time") {
  const std::string url = freshDatabase(pgUrl(), "mamori_retention");
  const auto target = store::parseDbUrl(url).value();
  auto opened = store::openEventStore(url);
  REQUIRE(opened.ok());
  auto& s = *opened.value();
  const std::int64_t nowMs = mamori::common::SystemClock().nowMs(), day = store::kDayMs;
  Poco::Data::Session session("PostgreSQL", target.connectionString);
  // Weeks back to 300 days, as a collector running since then would have made.
  session.begin();
  CHECK(store::ensureEventPartitions(session, nowMs - 300 * day, nowMs) > 30);
  session.commit();
  struct Planned {
    std::int64_t ageDays;
    const char* type;
    bool kept;
  };
  const std::vector<Planned> plan = {{1000, "file.copied", false},  {250, "file.copied", false},
                                     {200, "file.copied", false},   {100, "file.copied", true},
                                     {40, "file.read_bulk", false}, {20, "file.read_bulk", true},
                                     {1, "file.copied", true}};
  std::vector<Event> events;
  std::vector<bool> kept;
  for (const auto& p : plan) {
    Uuid7Generator gen;
    for (int i = 0; i < 20; ++i) {
      events.push_back(event(gen.next(nowMs - p.ageDays * day + i), nowMs - p.ageDays * day + i, p.type));
      kept.push_back(p.kept);
    }
  }
  REQUIRE(s.insertEvents("pg-agent", events, nowMs).ok());
  const auto weeksBefore = store::listEventPartitions(session).size();

  store::RetentionPolicy policy;  // default 180 days
  policy.batchRows = 6;
  REQUIRE(store::addRetentionRules("file.read_bulk=30", policy).ok());

  {  // Another collector is enforcing: this one stands by.
    Poco::Data::Session other("PostgreSQL", target.connectionString);
    other << "SELECT pg_advisory_lock(" + std::to_string(store::kRetentionLockId) + ")", now;
    auto skipped = s.enforceRetention(policy, nowMs);
    REQUIRE(skipped.ok());
    CHECK(skipped.value().skipped);
    CHECK(count(session, "SELECT count(*) FROM events") == static_cast<std::int64_t>(events.size()));
    // Released here, not by closing: a backend lets go of its locks only when it notices the
    // disconnect, a moment after the client closed.
    other << "SELECT pg_advisory_unlock(" + std::to_string(store::kRetentionLockId) + ")", now;
  }

  auto report = s.enforceRetention(policy, nowMs);
  REQUIRE(report.ok());
  CHECK_FALSE(report.value().skipped);
  CHECK(report.value().complete);
  // Weeks ending before now - 180 days are gone whole: 250 and 200 days old with their rows.
  const auto weeks = store::listEventPartitions(session);
  CHECK(report.value().droppedPartitions == static_cast<std::int64_t>(weeksBefore - weeks.size()));
  CHECK(report.value().droppedPartitions >= 16);
  for (const auto& week : weeks) CHECK(week.endMs > nowMs - 180 * day);
  // Row by row: the 1000-day-old ones in events_default, the straddling week, file.read_bulk at 40 days.
  CHECK(report.value().deletedEvents >= 20 + 20);
  std::set<std::string> left;
  std::vector<std::string> ids;
  session << "SELECT id FROM events", into(ids), now;
  left.insert(ids.begin(), ids.end());
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(events[i].type, " created ", (nowMs - events[i].timeMs) / day, " days ago");
    CHECK(left.count(events[i].id) == (kept[i] ? 1u : 0u));
  }
  auto again = s.enforceRetention(policy, nowMs);
  REQUIRE(again.ok());
  CHECK(again.value().deletedEvents == 0);
  CHECK(again.value().droppedPartitions == 0);
  // Dropped weeks and deleted rows left the overview's counts (migration 9) with the events.
  mamori::collector::test::checkCountsMatchEvents(session);
}
