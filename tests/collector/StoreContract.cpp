#include "tests/collector/StoreContract.h"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/Uuid7.h"

namespace mamori::collector::test {

namespace {

using common::Event;
using store::AgentRecord;
using store::EventQuery;

Event makeEvent(common::Uuid7Generator& ids, const std::string& agentId, std::int64_t timeMs, const std::string& type) {
  Event e;
  e.id = ids.next(timeMs);
  e.timeMs = timeMs;
  e.type = type;
  e.severity = common::Severity::Medium;
  e.agentId = agentId;
  e.host = "pc-\"quoted\"\\";
  e.user = "山田";
  e.details->set("file.path", "/home/a/b'c\".docx");
  e.details->set("process.pid", 42);
  return e;
}

}  // namespace

void checkStoreContract(const std::string& dbUrl) {
  // Two stores migrating the same database at once: both must succeed (advisory lock / BEGIN IMMEDIATE).
  std::unique_ptr<store::EventStore> first, second;
  std::string firstError, secondError;
  std::thread a([&] {
    auto s = store::openEventStore(dbUrl);
    if (s) first = std::move(s).value(); else firstError = s.error().describe();
  });
  std::thread b([&] {
    auto s = store::openEventStore(dbUrl);
    if (s) second = std::move(s).value(); else secondError = s.error().describe();
  });
  a.join();
  b.join();
  INFO(firstError, secondError);
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  CHECK(first->schemaVersion().value() >= 1);
  CHECK(first->schemaVersion().value() == second->schemaVersion().value());
  auto& store = *first;
  CHECK(store.ping().ok());

  common::SystemClock clock;
  common::Uuid7Generator ids;
  const std::int64_t now = clock.nowMs();
  const std::string agentId = ids.next(now);
  const std::string keyHash = "hash-" + agentId;

  // Unknown key; enrolment; re-enrolment replaces the key.
  auto unknown = store.agentForKey(keyHash);
  REQUIRE(unknown.ok());
  CHECK_FALSE(unknown.value().has_value());
  AgentRecord agent{agentId, "pc-1", "Debian GNU/Linux 12", "0.1.0", now, now, 0, 0, 0};
  REQUIRE(store.enrollAgent(agent, "old-" + keyHash).ok());
  REQUIRE(store.enrollAgent(agent, keyHash).ok());
  CHECK_FALSE(store.agentForKey("old-" + keyHash).value().has_value());
  auto found = second->agentForKey(keyHash);  // the other "collector" sees it at once
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(*found.value() == agentId);

  // Insert, then the same batch again: all duplicates, nothing new.
  std::vector<Event> batch;
  for (int i = 0; i < 250; ++i) batch.push_back(makeEvent(ids, agentId, now + i, i % 2 == 0 ? "file.copied" : "device.blocked"));
  auto stored = store.insertEvents(agentId, batch, now);
  REQUIRE(stored.ok());
  CHECK(stored.value().accepted == 250);
  CHECK(stored.value().duplicates == 0);
  auto again = second->insertEvents(agentId, batch, now);
  REQUIRE(again.ok());
  CHECK(again.value().accepted == 0);
  CHECK(again.value().duplicates == 250);

  // A batch with one new event and one old: counted apart; a duplicate inside one batch too.
  std::vector<Event> mixed = {batch.front(), makeEvent(ids, agentId, now + 1000, "file.copied")};
  mixed.push_back(mixed.back());
  auto mixedCounts = store.insertEvents(agentId, mixed, now);
  REQUIRE(mixedCounts.ok());
  CHECK(mixedCounts.value().accepted == 1);
  CHECK(mixedCounts.value().duplicates == 2);

  // Round trip of every field, id order, filters, paging.
  EventQuery query;
  query.agentId = agentId;
  query.limit = 100;
  std::vector<store::EventRow> all;
  std::string cursor;
  int pages = 0;
  while (true) {
    query.afterId = cursor;
    auto page = store.queryEvents(query);
    REQUIRE(page.ok());
    for (auto& row : page.value().events) all.push_back(row);
    ++pages;
    if (!page.value().more) break;
    cursor = page.value().events.back().id;
  }
  CHECK(pages == 3);
  REQUIRE(all.size() == 251);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].id < all[i].id);
  CHECK(all.front().id == batch.front().id);
  CHECK(all.front().host == "pc-\"quoted\"\\");
  CHECK(all.front().user == "山田");
  CHECK(all.front().timeMs == now);
  CHECK(all.front().severity == static_cast<int>(common::Severity::Medium));
  CHECK(all.front().type == "file.copied");
  CHECK(all.front().detailsJson == R"({"file.path":"/home/a/b'c\".docx","process.pid":42})");

  query = EventQuery{};
  query.agentId = agentId;
  query.type = "device.blocked";
  query.limit = 1000;
  auto blocked = store.queryEvents(query);
  REQUIRE(blocked.ok());
  CHECK(blocked.value().events.size() == 125);
  CHECK_FALSE(blocked.value().more);
  query.type.clear();
  query.sinceMs = now + 10;
  query.untilMs = now + 20;
  auto window = store.queryEvents(query);
  REQUIRE(window.ok());
  CHECK(window.value().events.size() == 10);

  // Heartbeat and the agents list.
  store::HeartbeatUpdate beat{agentId, now + 5000, 30000, 7, std::string("0.2.0")};
  auto beatOk = store.recordHeartbeat(beat);
  REQUIRE(beatOk.ok());
  CHECK(beatOk.value());
  auto noAgent = store.recordHeartbeat(store::HeartbeatUpdate{ids.next(now), now, {}, {}, {}});
  REQUIRE(noAgent.ok());
  CHECK_FALSE(noAgent.value());
  auto agents = store.listAgents();
  REQUIRE(agents.ok());
  bool listed = false;
  for (const auto& record : agents.value()) {
    if (record.agentId != agentId) continue;
    listed = true;
    CHECK(record.host == "pc-1");
    CHECK(record.lastSeenMs == now + 5000);
    CHECK(record.heartbeatIntervalMs == 30000);
    CHECK(record.spoolEvents == 7);
    CHECK(record.agentVersion == "0.2.0");
    CHECK(record.eventCount == 251);
  }
  CHECK(listed);
}

}  // namespace mamori::collector::test
