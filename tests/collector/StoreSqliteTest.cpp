#include <doctest/doctest.h>

#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "collector/store/Migrations.h"
#include "tests/collector/StoreContract.h"
#include "tests/collector/TempDir.h"

using namespace mamori::collector;

TEST_CASE("SQLite store fulfils the store contract") {
  test::TempDir dir;
  test::checkStoreContract("sqlite:" + dir.path() + "/collector.db");
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
