// SIEM forwarding over a real SQLite store: ingest order (late events are not skipped), the
// persisted cursor across restarts, retries after sink failures, leases, filters, file rotation.

#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "collector/siem/FileSink.h"
#include "collector/siem/ForwardStore.h"
#include "collector/siem/Forwarder.h"
#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "tests/collector/TempDir.h"

using namespace mamori;
using namespace mamori::collector;
using namespace mamori::collector::siem;

namespace {

// Records what it was given; fails on demand, in send or in settle.
class FakeSink final : public Sink {
 public:
  std::vector<std::string> received;  // event ids in delivery order, duplicates kept
  bool failSend = false;
  bool failSettle = false;
  common::Status send(const std::vector<StoredEvent>& events) override {
    if (failSend) return common::makeError("sink down");
    for (const auto& e : events) received.push_back(e.id);
    return common::Ok{};
  }
  common::Status settle() override {
    if (failSettle) return common::makeError("connection lost");
    return common::Ok{};
  }
};

common::Event event(const std::string& id, common::Severity severity = common::Severity::Info,
                    const std::string& type = "agent.synthetic") {
  common::Event e;
  e.id = id;
  e.type = type;
  e.timeMs = 1'700'000'000'000;
  e.severity = severity;
  e.agentId = "agent-1";
  e.host = "pc";
  return e;
}

std::string idOf(int n) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "0190a000-0000-7000-8000-%012d", n);
  return buffer;
}

struct Fixture {
  test::TempDir dir;
  std::string url = "sqlite:" + dir.path() + "/c.db";
  std::unique_ptr<store::EventStore> events = std::move(store::openEventStore(url)).value();
  store::DbTarget target = store::parseDbUrl(url).value();
  common::FakeClock clock{1'700'000'000'000};

  void insert(int from, int to) {
    std::vector<common::Event> batch;
    for (int n = from; n < to; ++n) batch.push_back(event(idOf(n)));
    REQUIRE(events->insertEvents("agent-1", batch, clock.nowMs()).ok());
  }

  std::unique_ptr<Forwarder> forwarder(FakeSink*& sinkOut, const std::string& owner = "me", std::size_t batchSize = 7,
                                       int minSeverity = 0) {
    SinkConfig config;
    config.name = "soc";
    config.batchSize = batchSize;
    config.minSeverity = minSeverity;
    auto sink = std::make_unique<FakeSink>();
    sinkOut = sink.get();
    ForwarderSettings settings;
    settings.owner = owner;
    settings.leaseMs = 30'000;
    settings.settleEveryMs = 0;
    return std::make_unique<Forwarder>(config, std::move(sink), std::make_unique<ForwardStore>(target), settings,
                                       clock);
  }

  // Steps until the forwarder is idle (all caught up); fails the test after many rounds.
  static void drain(Forwarder& f) {
    for (int round = 0; round < 1000; ++round) {
      bool idle = false;
      f.step(idle);
      if (idle) return;
    }
    FAIL("forwarder never caught up");
  }
};

}  // namespace

TEST_CASE("an event stored late with an older id is forwarded in ingest order, not skipped") {
  Fixture fx;
  fx.insert(100, 110);
  ForwardStore reader(fx.target);
  auto first = reader.readAfter({}, 100);
  REQUIRE(first.ok());
  REQUIRE(first.value().size() == 10);
  const IngestKey cursor = first.value().back().key;
  // An agent that was offline sends events whose ids are older than everything forwarded so far.
  fx.insert(1, 4);
  auto late = reader.readAfter(cursor, 100);
  REQUIRE(late.ok());
  REQUIRE(late.value().size() == 3);
  CHECK(late.value()[0].id == idOf(1));
  CHECK(cursor < late.value()[0].key);
  auto lag = reader.countAfter(cursor, 1000);
  REQUIRE(lag.ok());
  CHECK(lag.value() == 3);
}

TEST_CASE("forwarder: everything once, cursor persisted, a restart resends nothing") {
  Fixture fx;
  fx.insert(0, 50);
  FakeSink* sink = nullptr;
  {
    auto f = fx.forwarder(sink);
    Fixture::drain(*f);
    REQUIRE(sink->received.size() == 50);
    CHECK(std::set<std::string>(sink->received.begin(), sink->received.end()).size() == 50);
    CHECK(f->status().forwarded == 50);
    CHECK(f->status().lag == 0);
  }
  ForwardStore reader(fx.target);
  auto row = reader.cursor("soc");
  REQUIRE(row.ok());
  REQUIRE(row.value().has_value());
  CHECK(row.value()->forwarded == 50);

  fx.insert(50, 53);
  auto again = fx.forwarder(sink);  // "collector restarted": same owner, cursor from the database
  Fixture::drain(*again);
  REQUIRE(sink->received.size() == 3);
  CHECK(sink->received.front() == idOf(50));
}

TEST_CASE("forwarder: a failing sink keeps the cursor; nothing is lost after it recovers") {
  Fixture fx;
  fx.insert(0, 20);
  FakeSink* sink = nullptr;
  auto f = fx.forwarder(sink);
  sink->failSend = true;
  bool idle = false;
  CHECK_FALSE(f->step(idle));
  CHECK(f->status().errors == 1);
  CHECK(f->status().lastError.find("sink down") != std::string::npos);
  sink->failSend = false;
  sink->failSettle = true;  // sent, but the connection died before it was confirmed
  CHECK_FALSE(f->step(idle));
  const auto sentBefore = sink->received.size();
  CHECK(sentBefore > 0);
  sink->failSettle = false;
  Fixture::drain(*f);
  std::set<std::string> unique(sink->received.begin(), sink->received.end());
  CHECK(unique.size() == 20);                       // nothing missing
  CHECK(sink->received.size() == 20 + sentBefore);  // the unconfirmed batch came twice
  CHECK(f->status().lastError.empty());
}

TEST_CASE("forwarder: on its own thread it forwards everything, and stop() ends it") {
  Fixture fx;
  fx.insert(0, 30);
  FakeSink* sink = nullptr;
  auto f = fx.forwarder(sink);
  f->start();
  for (int round = 0; round < 500 && f->status().forwarded < 30; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  f->stop();
  f->stop();  // again (the destructor does too): nothing more happens
  CHECK(f->status().forwarded == 30);
  CHECK(sink->received.size() == 30);
  ForwardStore reader(fx.target);
  auto row = reader.cursor("soc");
  REQUIRE(row.ok());
  REQUIRE(row.value().has_value());
  CHECK(row.value()->forwarded == 30);
}

TEST_CASE("forwarder: a second collector stands by while the lease is held, then takes over") {
  Fixture fx;
  fx.insert(0, 10);
  FakeSink* first = nullptr;
  FakeSink* second = nullptr;
  auto a = fx.forwarder(first, "collector-a");
  auto b = fx.forwarder(second, "collector-b");
  Fixture::drain(*a);
  Fixture::drain(*b);
  CHECK(first->received.size() == 10);
  CHECK(second->received.empty());
  CHECK(a->status().leader);
  CHECK_FALSE(b->status().leader);
  fx.insert(10, 15);
  fx.clock.advance(31'000);  // a stopped renewing (it "died"); its lease expired
  Fixture::drain(*b);
  CHECK(b->status().leader);
  REQUIRE(second->received.size() == 5);
  CHECK(second->received.front() == idOf(10));
}

TEST_CASE("forwarder: events below the sink's severity are skipped but the cursor passes them") {
  Fixture fx;
  REQUIRE(fx.events
              ->insertEvents("agent-1",
                             {event(idOf(1)), event(idOf(2), common::Severity::High, "content.match"), event(idOf(3))},
                             1)
              .ok());
  FakeSink* sink = nullptr;
  auto f = fx.forwarder(sink, "me", 7, 3);
  Fixture::drain(*f);
  REQUIRE(sink->received.size() == 1);
  CHECK(sink->received[0] == idOf(2));
  CHECK(f->status().lag == 0);
}

TEST_CASE("file sink: JSON lines, rotated by size, oldest file dropped") {
  test::TempDir dir;
  SinkConfig config;
  config.name = "archive";
  config.kind = SinkKind::File;
  config.path = dir.path() + "/events.jsonl";
  config.maxBytes = 4096;
  config.keep = 2;
  FileSink sink(config, "1");
  std::vector<StoredEvent> batch;
  for (int n = 0; n < 60; ++n) {
    StoredEvent e;
    e.key = {0, n + 1};
    e.id = idOf(n);
    e.type = "agent.synthetic";
    e.detailsJson = "{}";
    batch.push_back(e);
  }
  REQUIRE(sink.send(batch).ok());
  std::vector<std::string> ids;
  for (const char* suffix : {".2", ".1", ""}) {
    std::ifstream in(config.path + suffix);
    REQUIRE(in.good());
    std::string line;
    std::size_t bytes = 0;
    while (std::getline(in, line)) {
      bytes += line.size() + 1;
      Poco::JSON::Parser parser;
      ids.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("event.id"));
    }
    CHECK(bytes <= 4096);
  }
  CHECK_FALSE(std::ifstream(config.path + ".3").good());
  // The newest lines survive, in order, each once; the oldest went with the dropped file.
  REQUIRE_FALSE(ids.empty());
  CHECK(ids.back() == idOf(59));
  for (std::size_t i = 1; i < ids.size(); ++i) CHECK(ids[i - 1] < ids[i]);
}
