#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <doctest/doctest.h>

#include <chrono>

#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "collector/store/HeartbeatBatcher.h"
#include "collector/store/Migrations.h"
#include "collector/store/RetentionPolicy.h"
#include "common/Clock.h"
#include "common/Uuid7.h"
#include "tests/collector/StoreContract.h"
#include "tests/collector/StoreOverviewContract.h"
#include "tests/collector/TempDir.h"

using namespace mamori::collector;

TEST_CASE("SQLite store fulfils the store contract") {
  test::TempDir dir;
  test::checkStoreContract("sqlite:" + dir.path() + "/collector.db");
}

TEST_CASE("SQLite store keeps the overview's hourly counts, through duplicates and retention") {
  test::TempDir dir;
  const std::string path = dir.path() + "/overview.db";
  auto store = store::openEventStore("sqlite:" + path);
  REQUIRE(store.ok());
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session session("SQLite", path);
  const std::int64_t nowMs = mamori::common::SystemClock().nowMs();
  test::checkOverviewContract(*store.value(), session, nowMs);
  // Retention deletes the (long past) events row by row: the counts go with them.
  store::RetentionPolicy policy;
  policy.batchRows = 3;
  auto report = store.value()->enforceRetention(policy, nowMs + 400 * store::kDayMs);
  REQUIRE(report.ok());
  CHECK(report.value().deletedEvents == 9);
  test::checkCountsMatchEvents(session);
  auto counts = store.value()->eventCounts({0, nowMs + 400 * store::kDayMs, 86'400'000, 0});
  REQUIRE(counts.ok());
  CHECK(counts.value().empty());
}

TEST_CASE("SQLite store reopens an existing database without migrating twice") {
  test::TempDir dir;
  const std::string url = "sqlite:" + dir.path() + "/c.db";
  {
    auto store = store::openEventStore(url);
    REQUIRE(store.ok());
  }
  auto again = store::openEventStore(url);
  REQUIRE(again.ok());
  CHECK(again.value()->schemaVersion().value() == store::migrations().back().version);
}

TEST_CASE("SQLite store reports an unusable path as an error value") {
  auto store = store::openEventStore("sqlite:/nonexistent-dir/x/y.db");
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().where == "sqlite:/nonexistent-dir/x/y.db");
}

TEST_CASE("database URLs") {
  auto sqlite = store::parseDbUrl("sqlite:/var/lib/c.db");
  REQUIRE(sqlite.ok());
  CHECK(sqlite.value().backend == store::Backend::SQLite);
  CHECK(sqlite.value().connectionString == "/var/lib/c.db");

  auto pg = store::parseDbUrl("postgresql://mamori:s%27cret@db.example:5433/events");
  REQUIRE(pg.ok());
  CHECK(pg.value().backend == store::Backend::PostgreSQL);
  CHECK(pg.value().connectionString ==
        "dbname='events' host='db.example' password='s\\'cret' port='5433' user='mamori'");
  CHECK(pg.value().display.find("cret") == std::string::npos);

  auto socket = store::parseDbUrl("postgresql:///mamori?host=/run/postgresql&port=5433");
  REQUIRE(socket.ok());
  CHECK(socket.value().connectionString == "dbname='mamori' host='/run/postgresql' port='5433'");

  auto v6 = store::parseDbUrl("postgresql://u@[::1]:5432/d");
  REQUIRE(v6.ok());
  CHECK(v6.value().connectionString == "dbname='d' host='::1' port='5432' user='u'");

  CHECK_FALSE(store::parseDbUrl("mysql://x/y").ok());
  CHECK_FALSE(store::parseDbUrl("postgresql://host:5432").ok());
  CHECK_FALSE(store::parseDbUrl("postgresql://host:port/db").ok());
  CHECK_FALSE(store::parseDbUrl("postgresql:///db?bad key=1").ok());
  CHECK_FALSE(store::parseDbUrl("sqlite:").ok());
}

TEST_CASE("retention rules: parsing, the most specific rule wins, clear errors") {
  store::RetentionPolicy policy;
  CHECK(policy.defaultDays == 180);
  REQUIRE(store::addRetentionRules("content.*=365,file.read_bulk=30", policy).ok());
  REQUIRE(store::addRetentionRules("content.match.*=400,content.error=7,file.read_bulk=31", policy).ok());
  CHECK(policy.rules.size() == 4);  // file.read_bulk replaced, not added
  CHECK(policy.daysFor("file.read_bulk") == 31);
  CHECK(policy.daysFor("content.match.found") == 400);
  CHECK(policy.daysFor("content.error") == 7);
  CHECK(policy.daysFor("content.scan_done") == 365);
  CHECK(policy.daysFor("contentx.y") == 180);  // a family is a whole first word, not a prefix
  CHECK(policy.daysFor("device.blocked") == 180);
  CHECK(policy.longestDays() == 400);
  CHECK(policy.describe() ==
        "default 180 days; content.*=365 days, file.read_bulk=31 days, content.match.*=400 days, content.error=7 days");
  REQUIRE(store::addRetentionRules("usb.allowed=0", policy).ok());
  CHECK(policy.longestDays() == 0);

  for (const char* bad : {"", "content.*", "content.*=", "content.*=x", "Content.*=3", "*=30", "a=3", "content.=3",
                          "file.read_bulk=36501", "file.read_bulk=-1", "ok.type=1,,", ".*=1"}) {
    store::RetentionPolicy p;
    auto result = store::addRetentionRules(bad, p);
    INFO(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().where.find("--retention") == 0);
  }
  CHECK(store::parseRetentionDays("0").value() == 0);
  CHECK_FALSE(store::parseRetentionDays("1e3").ok());
  CHECK_FALSE(store::parseRetentionDays("99999999").ok());
}

TEST_CASE("retention classes pick every type once, with the cutoff of its rule") {
  store::RetentionPolicy policy;
  REQUIRE(store::addRetentionRules("content.*=365,content.error=0,file.read_bulk=30", policy).ok());
  const std::int64_t now = 1'800'000'000'000;
  auto classes = store::retentionClasses(policy, now);
  REQUIRE(classes.size() == 3);  // content.error is kept forever: no class
  CHECK(classes[0].label == "content.*");
  CHECK(classes[0].condition == "type >= ? AND type < ? AND type <> ?");
  CHECK(classes[0].params == std::vector<std::string>{"content.", "content/", "content.error"});
  CHECK(classes[0].cutoffMs == now - 365 * store::kDayMs);
  CHECK(classes[1].label == "file.read_bulk");
  CHECK(classes[1].condition == "type = ?");
  CHECK(classes[2].label == "default");
  CHECK(classes[2].condition == "NOT (type >= ? AND type < ?) AND type <> ? AND type <> ?");
  CHECK(classes[2].cutoffMs == now - 180 * store::kDayMs);
  store::RetentionPolicy forever;
  forever.defaultDays = 0;
  CHECK(store::retentionClasses(forever, now).empty());
}

TEST_CASE("uuid7Floor: an id sorts below the floor exactly when it was made earlier") {
  const std::int64_t t = 1'765'000'000'123;
  const std::string floor = store::uuid7Floor(t);
  CHECK(mamori::common::isCanonicalUuid(floor));
  CHECK(mamori::common::Uuid7Generator().next(t - 1) < floor);
  CHECK(mamori::common::Uuid7Generator().next(t) > floor);
  CHECK(mamori::common::Uuid7Generator().next(t + 1) > floor);
}

TEST_CASE("heartbeat batcher keeps a batch the database refused and writes it, merged, next time") {
  test::TempDir dir;
  const std::string url = "sqlite:" + dir.path() + "/hb.db";
  store::StoreOptions options;
  options.busyTimeoutMs = 100;
  auto opened = store::openEventStore(url, options);
  REQUIRE(opened.ok());
  auto& s = *opened.value();
  store::AgentRecord agent{"0190aaaa-0000-7000-8000-000000000001", "pc", "os", "1", 1000, 1000, 0, 0, 0, "default", {}};
  REQUIRE(s.enrollAgent(agent, "k").ok());
  store::HeartbeatBatcher batcher(s, {std::chrono::milliseconds(60'000), 1000, 100});
  REQUIRE(batcher.submit({agent.agentId, 2000, 30000, 5, {}, {}}));

  // Another connection holds the write lock: the flush fails, the update stays pending.
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session blocker("SQLite", dir.path() + "/hb.db");
  blocker << "BEGIN EXCLUSIVE", Poco::Data::Keywords::now;
  CHECK_FALSE(batcher.flush().ok());
  CHECK(batcher.stats().failures == 1);
  CHECK(batcher.stats().pending == 1);
  REQUIRE(batcher.submit({agent.agentId, 3000, {}, 6, {}, {}}));  // newer, arrives meanwhile
  blocker << "ROLLBACK", Poco::Data::Keywords::now;

  REQUIRE(batcher.flush().ok());
  CHECK(batcher.stats().pending == 0);
  CHECK(batcher.stats().written == 1);
  auto agents = s.listAgents();
  REQUIRE(agents.ok());
  REQUIRE(agents.value().size() == 1);
  CHECK(agents.value()[0].lastSeenMs == 3000);
  CHECK(agents.value()[0].heartbeatIntervalMs == 30000);  // from the refused batch
  CHECK(agents.value()[0].spoolEvents == 6);              // the newer value won
  CHECK(batcher.renderMetrics().find("mamori_heartbeat_batch_failures_total 1\n") != std::string::npos);
}
