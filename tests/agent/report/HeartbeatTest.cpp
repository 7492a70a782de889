#include <doctest/doctest.h>

#include "agent/report/Heartbeat.h"
#include "common/EventJson.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"

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
  transport.answer(200);
  CHECK(spool.value()->eventCount() == 1);  // heartbeats never enter the spool

  // The timer sends the next ones.
  heartbeat.start();
  CHECK(test::waitFor([&] { return transport.hasPending(); }));
  transport.answer(503);
  CHECK(test::waitFor([&] { return transport.hasPending(); }));
  heartbeat.stop();
  transport.answer(200);
  CHECK(heartbeat.sent() == 2);
}

}  // namespace
}  // namespace mamori::agent
