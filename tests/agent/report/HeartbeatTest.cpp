#include <Poco/JSON/Array.h>
#include <doctest/doctest.h>

#include "agent/report/Heartbeat.h"
#include "common/EventJson.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"
#include "tests/agent/report/ReportFixtures.h"

namespace mamori::agent {
namespace {

TEST_CASE("heartbeat: one agent.heartbeat event, not spooled, skipped while not enrolled or in flight") {
  test::qtApp();
  test::TempDir dir;
  common::FakeClock clock{1'795'000'000'000};
  EventFactory events{"01a20659-6589-7386-997e-0d7b84f7e110", "pc-1", clock};
  auto spool = Spool::open(dir.file("spool.db"), {}, events);
  REQUIRE(spool.ok());
  REQUIRE(spool.value()->append({events.make("test.event", common::Severity::Info)}).ok());
  auto identity = IdentityStore::load(dir.file("identity.json"), clock.nowMs());
  REQUIRE(identity.ok());
  test::FakeTransport transport;
  Heartbeat heartbeat(transport, identity.value(), *spool.value(), events, {"0.1.0", "Debian GNU/Linux 12", "6.1.0"},
                      20);

  heartbeat.sendNow();
  CHECK(!transport.hasPending());  // no node key yet

  REQUIRE(identity.value().setNodeKey(std::string(64, 'a')).ok());
  heartbeat.sendNow();
  REQUIRE(transport.pendingCount() == 1);
  heartbeat.sendNow();
  CHECK(transport.pendingCount() == 1);  // the previous one is still on the way
  CHECK(transport.front().path == "/api/v1/heartbeat");
  auto event = common::parseEvent(transport.front().body);
  REQUIRE(event.ok());
  CHECK(event.value().type == "agent.heartbeat");
  const auto& d = *event.value().details;
  CHECK(d.getValue<std::string>("agent.version") == "0.1.0");
  CHECK(d.getValue<std::int64_t>("agent.heartbeat_interval_ms") == 20);
  CHECK(d.getValue<std::int64_t>("agent.spool.events") == 1);
  CHECK(d.getValue<std::int64_t>("agent.spool.bytes") == spool.value()->byteCount());
  CHECK(d.getValue<std::string>("host.os.name") == "Debian GNU/Linux 12");
  CHECK(d.getValue<std::string>("host.os.kernel") == "6.1.0");
  CHECK_FALSE(d.has("content.sets"));  // the set sync has not said anything yet
  transport.answer(200);
  CHECK(spool.value()->eventCount() == 1);  // heartbeats never enter the spool

  // The content sets' status is sent at once and carried from then on.
  REQUIRE(transport.pendingCount() == 1);  // the one asked for while the first was on the way
  transport.answer(200);
  heartbeat.setContentSets({{"edm", "customers", 3, 120, 4096, 4, "signature: not by the pinned key"},
                            {"fingerprints", "plans", 0, 0, 0, 0, ""}});
  REQUIRE(transport.pendingCount() == 1);
  auto withSets = common::parseEvent(transport.front().body);
  REQUIRE(withSets.ok());
  const auto sets = withSets.value().details->getArray("content.sets");
  REQUIRE(sets->size() == 2);
  CHECK(sets->getObject(0)->getValue<std::string>("kind") == "edm");
  CHECK(sets->getObject(0)->getValue<std::string>("name") == "customers");
  CHECK(sets->getObject(0)->getValue<std::int64_t>("version") == 3);
  CHECK(sets->getObject(0)->getValue<std::int64_t>("entries") == 120);
  CHECK(sets->getObject(0)->getValue<std::int64_t>("bytes") == 4096);
  CHECK(sets->getObject(0)->getValue<std::int64_t>("refused_version") == 4);
  CHECK(sets->getObject(0)->getValue<std::string>("error") == "signature: not by the pinned key");
  CHECK(sets->getObject(1)->getValue<std::int64_t>("version") == 0);
  CHECK_FALSE(sets->getObject(1)->has("error"));  // nothing refused
  transport.answer(200);

  // The timer sends the next ones.
  heartbeat.start();
  CHECK(test::waitFor([&] { return transport.hasPending(); }));
  transport.answer(503);
  CHECK(test::waitFor([&] { return transport.hasPending(); }));
  heartbeat.stop();
  transport.answer(200);
  CHECK(heartbeat.sent() == 4);
}

}  // namespace
}  // namespace mamori::agent

namespace mamori::agent {
namespace {

struct HeartbeatRig {
  test::TempDir dir;
  common::FakeClock clock{1'795'000'000'000};
  EventFactory events{"01a20659-6589-7386-997e-0d7b84f7e110", "pc-1", clock};
  std::unique_ptr<Spool> spool;
  std::unique_ptr<IdentityStore> identity;
  test::FakeTransport transport;
  std::int64_t draw = 0;  // what the "random" source answers (clamped to its bound)

  HeartbeatRig() {
    test::qtApp();
    spool = test::openSpool(dir, events);
    identity = test::loadIdentity(dir, clock);
    REQUIRE(identity->setNodeKey(std::string(64, 'a')).ok());
  }
  std::unique_ptr<Heartbeat> make(std::int64_t intervalMs) {
    return std::make_unique<Heartbeat>(transport, *identity, *spool, events,
                                       HeartbeatFacts{"0.1.0", "Debian GNU/Linux 12", "6.1.0"}, intervalMs, nullptr,
                                       [this](std::int64_t hi) { return std::min(draw, hi); });
  }
};

TEST_CASE("heartbeat: the first comes at a random point of the first interval, then every interval +-10%") {
  HeartbeatRig rig;
  auto made = rig.make(60'000);
  Heartbeat& heartbeat = *made;
  rig.draw = 0;
  heartbeat.start();
  CHECK(heartbeat.nextDelayMs() == 1);  // at once (the timer's least)
  rig.draw = 1'000'000;
  heartbeat.start();
  CHECK(heartbeat.nextDelayMs() == 60'000);  // or as late as one interval
  rig.draw = 0;
  heartbeat.setInterval(30'000);
  CHECK(heartbeat.nextDelayMs() == 27'000);  // -10%
  rig.draw = 1'000'000;
  heartbeat.setInterval(60'000);
  CHECK(heartbeat.nextDelayMs() == 66'000);  // +10%
  heartbeat.stop();
  CHECK(heartbeat.nextDelayMs() == -1);
}

TEST_CASE("heartbeat: the timer keeps firing with a jittered interval") {
  HeartbeatRig rig;
  auto made = rig.make(20);
  Heartbeat& heartbeat = *made;
  rig.draw = 2;  // 18 + 2 = 20 ms
  heartbeat.start();
  CHECK(test::waitFor([&] { return rig.transport.hasPending(); }));
  rig.transport.answer(200);
  CHECK(test::waitFor([&] { return rig.transport.hasPending(); }));
  rig.transport.answer(200);
  heartbeat.stop();
  CHECK(heartbeat.sent() == 2);
}

TEST_CASE("heartbeat: one small request that closes the connection when the spool is empty") {
  HeartbeatRig rig;
  auto made = rig.make(60'000);
  Heartbeat& heartbeat = *made;
  heartbeat.sendNow();
  REQUIRE(rig.transport.hasPending());
  CHECK(rig.transport.front().closeAfter);  // nothing to upload: the connection goes
  CHECK(rig.transport.front().body.size() < 1024);
  rig.transport.answer(200);
  REQUIRE(rig.spool->append({rig.events.make("test.event", common::Severity::Info)}).ok());
  heartbeat.sendNow();
  REQUIRE(rig.transport.hasPending());
  CHECK_FALSE(rig.transport.front().closeAfter);  // an upload follows on the same connection
  rig.transport.answer(200);
}

}  // namespace
}  // namespace mamori::agent
