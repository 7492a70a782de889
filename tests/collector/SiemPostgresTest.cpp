// SIEM forwarding order on PostgreSQL: an event whose transaction is still open must hold back every
// event committed after it, or a cursor would pass it and it would never be forwarded
// (docs/decisions/0011-siem-ingest-order.md). Needs MAMORI_TEST_PG_URL, like the store contract test.

#include <Poco/Data/Session.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "collector/siem/ForwardStore.h"
#include "collector/siem/Forwarder.h"
#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/Uuid7.h"

using namespace mamori;
using namespace mamori::collector;
using namespace Poco::Data::Keywords;

namespace {

std::string pgUrl() {
  const char* url = std::getenv("MAMORI_TEST_PG_URL");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  if (url == nullptr || *url == '\0') {
    FAIL(
        "MAMORI_TEST_PG_URL is not set: point it at a throwaway database (scripts/pg-throwaway.sh), or exclude "
        "this test with ctest -LE postgresql");
  }
  return url;
}

common::Event event(const std::string& id) {
  common::Event e;
  e.id = id;
  e.type = "agent.synthetic";
  e.timeMs = 1'700'000'000'000;
  e.agentId = "siem-pg-agent";
  e.host = "pc";
  return e;
}

std::vector<std::string> idsAfter(siem::ForwardStore& reader, const siem::IngestKey& from) {
  std::vector<std::string> ids;
  siem::IngestKey at = from;
  while (true) {
    auto page = reader.readAfter(at, 1000);
    REQUIRE(page.ok());
    if (page.value().empty()) return ids;
    for (const auto& e : page.value()) ids.push_back(e.id);
    at = page.value().back().key;
  }
}

}  // namespace

TEST_CASE("PostgreSQL: a later commit is not forwarded while an earlier insert is still in flight") {
  const std::string url = pgUrl();
  auto store = store::openEventStore(url);
  REQUIRE(store.ok());
  const auto target = store::parseDbUrl(url).value();
  siem::ForwardStore reader(target);

  // Where the ingest order ends now (other tests may share the database).
  siem::IngestKey start;
  for (auto page = reader.readAfter(start, 1000); page.ok() && !page.value().empty();
       page = reader.readAfter(start, 1000)) {
    start = page.value().back().key;
  }

  common::Uuid7Generator ids;
  const std::string slow = ids.next(common::SystemClock().nowMs());
  const std::string fast = ids.next(common::SystemClock().nowMs());
  Poco::Data::Session inFlight("PostgreSQL", target.connectionString);
  inFlight.begin();
  std::string id = slow;
  Poco::Int64 idMs = common::uuid7Millis(slow);  // the partition key (store migration 7)
  inFlight << "INSERT INTO events (id, id_ms, agent_id, host, user_name, time_ms, type, severity, details,"
              " received_ms) VALUES ($1, $2, 'siem-pg-agent', 'pc', '', 1, 'agent.synthetic', 0, '{}', 1)",
      use(id), use(idMs), now;

  REQUIRE(store.value()->insertEvents("siem-pg-agent", {event(fast)}, 2).ok());  // commits at once
  auto held = idsAfter(reader, start);
  CHECK(std::find(held.begin(), held.end(), fast) == held.end());  // held back: `slow` may still commit

  inFlight.commit();
  auto both = idsAfter(reader, start);
  const auto s = std::find(both.begin(), both.end(), slow);
  const auto f = std::find(both.begin(), both.end(), fast);
  REQUIRE(s != both.end());
  REQUIRE(f != both.end());
  CHECK(s < f);  // ingest order: the transaction that started first comes first
}

namespace {
class CountingSink final : public siem::Sink {
 public:
  std::vector<std::string> received;
  common::Status send(const std::vector<siem::StoredEvent>& events) override {
    for (const auto& e : events) received.push_back(e.id);
    return common::Ok{};
  }
};
}  // namespace

TEST_CASE("PostgreSQL: a forwarder delivers, saves its cursor and holds its lease") {
  const std::string url = pgUrl();
  auto store = store::openEventStore(url);
  REQUIRE(store.ok());
  const auto target = store::parseDbUrl(url).value();
  common::Uuid7Generator ids;
  std::vector<common::Event> batch;
  batch.reserve(30);
  for (int i = 0; i < 30; ++i) batch.push_back(event(ids.next(common::SystemClock().nowMs())));
  REQUIRE(store.value()->insertEvents("siem-pg-agent", batch, 3).ok());

  common::FakeClock clock(1'700'000'000'000);
  siem::SinkConfig config;
  config.name = "pg-" + ids.next(clock.nowMs()).substr(24);
  config.batchSize = 8;
  auto sink = std::make_unique<CountingSink>();
  auto* received = &sink->received;
  siem::ForwarderSettings settings;
  settings.owner = "collector-a";
  siem::Forwarder forwarder(config, std::move(sink), std::make_unique<siem::ForwardStore>(target), settings, clock);
  bool idle = false;
  for (int round = 0; round < 10'000 && !idle; ++round) REQUIRE(forwarder.step(idle));
  REQUIRE(idle);
  for (const auto& e : batch) CHECK(std::count(received->begin(), received->end(), e.id) == 1);
  CHECK(forwarder.status().leader);
  CHECK(forwarder.status().lag == 0);

  siem::ForwardStore other(target);
  auto lease = other.acquireLease(config.name, "collector-b", clock.nowMs(), 30'000);
  REQUIRE(lease.ok());
  CHECK_FALSE(lease.value());
  auto row = other.cursor(config.name);
  REQUIRE(row.ok());
  REQUIRE(row.value().has_value());
  CHECK(row.value()->forwarded == static_cast<std::int64_t>(received->size()));
}
