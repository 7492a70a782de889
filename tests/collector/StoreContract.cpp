#include "tests/collector/StoreContract.h"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "collector/store/EventStore.h"
#include "collector/store/HeartbeatBatcher.h"
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

// Groups, the per-group signed policy with its version rule, and the policy status heartbeats carry.
void checkGroupsAndPolicies(store::EventStore& store, store::EventStore& other, const std::string& agentId,
                            std::int64_t now) {
  auto group = store.agentGroup(agentId);
  REQUIRE(group.ok());
  REQUIRE(group.value().has_value());
  CHECK(*group.value() == "default");
  auto moved = store.setAgentGroup(agentId, "営業部");
  REQUIRE(moved.ok());
  CHECK(moved.value());
  CHECK(*other.agentGroup(agentId).value() == "営業部");
  auto nobody = store.setAgentGroup("no-such-agent", "x");
  REQUIRE(nobody.ok());
  CHECK_FALSE(nobody.value());
  CHECK_FALSE(store.agentGroup("no-such-agent").value().has_value());

  // Group names are unique per run so the contract can run on a database that already has data.
  const std::string groupName = "g-" + agentId;
  CHECK_FALSE(store.groupPolicy(groupName).value().has_value());
  store::GroupPolicy v2{groupName, 2, "two", "sha-2", "key", R"({"envelope":2})", now};
  auto put = store.putGroupPolicy(v2);
  REQUIRE(put.ok());
  CHECK(put.value().stored);
  CHECK(put.value().currentVersion == 2);
  CHECK_FALSE(store.putGroupPolicy(v2).value().stored);  // the very same policy again
  // Same version again, an older one: refused, from either collector; the stored one stays.
  for (auto* s : {&store, &other}) {
    for (std::int64_t version : {2, 1}) {
      store::GroupPolicy old{groupName, version, "old", "sha-old", "key", R"({"envelope":"old"})", now};
      auto refused = s->putGroupPolicy(old);
      REQUIRE(refused.ok());
      CHECK_FALSE(refused.value().stored);
      CHECK(refused.value().currentVersion == 2);
    }
  }
  store::GroupPolicy v5{groupName, 5, "five", "sha-5", "key", R"({"envelope":5})", now + 1};
  REQUIRE(other.putGroupPolicy(v5).value().stored);
  auto current = store.groupPolicy(groupName);
  REQUIRE(current.ok());
  REQUIRE(current.value().has_value());
  CHECK(current.value()->version == 5);
  CHECK(current.value()->name == "five");
  CHECK(current.value()->sha256 == "sha-5");
  CHECK(current.value()->envelope == R"({"envelope":5})");
  CHECK(current.value()->pushedMs == now + 1);
  auto all = store.listGroupPolicies();
  REQUIRE(all.ok());
  int seen = 0;
  for (const auto& policy : all.value()) seen += policy.group == groupName ? 1 : 0;
  CHECK(seen == 1);

  // Two collectors pushing the same new version at once: exactly one wins.
  std::vector<bool> won(2, false);
  std::thread a([&] {
    won[0] = store.putGroupPolicy({groupName, 6, "a", "sha-a", "k", "{\"a\":1}", now}).value().stored;
  });
  std::thread b([&] {
    won[1] = other.putGroupPolicy({groupName, 6, "b", "sha-b", "k", "{\"b\":1}", now}).value().stored;
  });
  a.join();
  b.join();
  CHECK(won[0] != won[1]);

  // The policy status a heartbeat carries shows in the agents list.
  store::HeartbeatUpdate beat{agentId, now + 6000, {}, {}, {}, {}};
  beat.policy = store::AgentPolicyStatus{5, "sha-5", "collector", now + 5900, "rollback: version 1"};
  beat.contentSets = std::string(R"([{"kind":"fingerprints","name":"plans","version":2}])");
  REQUIRE(store.recordHeartbeat(beat).value());
  auto listed = other.listAgents();
  REQUIRE(listed.ok());
  for (const auto& record : listed.value()) {
    if (record.agentId != agentId) continue;
    CHECK(record.group == "営業部");
    CHECK(record.policy.version == 5);
    CHECK(record.policy.sha256 == "sha-5");
    CHECK(record.policy.source == "collector");
    CHECK(record.policy.appliedMs == now + 5900);
    CHECK(record.policy.error == "rollback: version 1");
    CHECK(record.contentSets == *beat.contentSets);
  }
  // Re-enrollment with a group (a reinstalled PC) puts the agent in that group.
  AgentRecord again{agentId, "pc-1", "os", "0.3.0", now, now, 0, 0, 0, "lab", {}};
  REQUIRE(store.enrollAgent(again, "hash2-" + agentId).ok());
  CHECK(*store.agentGroup(agentId).value() == "lab");
}

// Many heartbeats in one transaction: only the fields each carries change, last-seen never goes
// back, unknown agents are skipped.
void checkBatchedHeartbeats(store::EventStore& store, store::EventStore& other, common::Uuid7Generator& ids,
                            std::int64_t now) {
  std::vector<std::string> agents;
  for (int i = 0; i < 3; ++i) {
    agents.push_back(ids.next(now));
    AgentRecord agent{agents.back(), "pc-b" + std::to_string(i), "os", "1.0", now, now, 0, 0, 0, "default", {}};
    REQUIRE(store.enrollAgent(agent, "hb-" + agents.back()).ok());
  }
  store::HeartbeatUpdate full{agents[0], now + 100, 15000, 3, std::string("1.1"), {}};
  full.policy = store::AgentPolicyStatus{9, "sha-9", "collector", now + 50, ""};
  const std::string sets =
      R"([{"kind":"edm","name":"顧客","version":4,"entries":9,"bytes":900,"refused_version":5,"error":"bad"}])";
  full.contentSets = sets;
  store::HeartbeatUpdate seenOnly{agents[1], now + 200, {}, {}, {}, {}};
  store::HeartbeatUpdate stale{agents[2], now - 5000, 20000, {}, {}, {}};  // older than enrolment
  store::HeartbeatUpdate unknown{ids.next(now), now, 1000, 1, {}, {}};
  auto written = store.recordHeartbeats({full, seenOnly, stale, unknown});
  REQUIRE(written.ok());
  CHECK(written.value() == 3);
  auto empty = store.recordHeartbeats({});
  REQUIRE(empty.ok());
  CHECK(empty.value() == 0);
  auto listed = other.listAgents();
  REQUIRE(listed.ok());
  int seen = 0;
  for (const auto& a : listed.value()) {
    if (a.agentId == agents[0]) {
      ++seen;
      CHECK(a.lastSeenMs == now + 100);
      CHECK(a.heartbeatIntervalMs == 15000);
      CHECK(a.spoolEvents == 3);
      CHECK(a.agentVersion == "1.1");
      CHECK(a.policy.version == 9);
      CHECK(a.policy.sha256 == "sha-9");
      CHECK(a.policy.source == "collector");
      CHECK(a.policy.appliedMs == now + 50);
      CHECK(a.contentSets == sets);
    } else if (a.agentId == agents[1]) {
      ++seen;
      CHECK(a.lastSeenMs == now + 200);
      CHECK(a.contentSets.empty());       // never reported
      CHECK(a.heartbeatIntervalMs == 0);  // not carried: unchanged
      CHECK(a.agentVersion == "1.0");
      CHECK(a.policy.version == 0);
    } else if (a.agentId == agents[2]) {
      ++seen;
      CHECK(a.lastSeenMs == now);  // a late heartbeat does not move last-seen back
      CHECK(a.heartbeatIntervalMs == 20000);
    }
  }
  CHECK(seen == 3);

  // The batcher coalesces per agent (newer fields win) and writes through recordHeartbeats.
  store::HeartbeatBatcher batcher(store, {std::chrono::milliseconds(60'000), 1000, 2});
  CHECK(batcher.submit({agents[0], now + 300, 30000, 10, {}, {}}));
  CHECK(batcher.submit({agents[0], now + 400, {}, 11, {}, {}}));
  CHECK(batcher.submit({agents[1], now + 500, {}, {}, std::string("1.2"), {}}));
  store::HeartbeatUpdate withSets{agents[1], now + 450, {}, {}, {}, {}};
  withSets.contentSets = std::string("[]");
  CHECK(batcher.submit(withSets));
  CHECK_FALSE(batcher.submit({agents[2], now + 500, {}, {}, {}, {}}));  // a third agent: over maxPending
  CHECK(batcher.stats().pending == 2);
  batcher.stop();  // flushes
  const auto stats = batcher.stats();
  CHECK(stats.pending == 0);
  CHECK(stats.received == 5);
  CHECK(stats.refused == 1);
  CHECK(stats.flushes == 1);
  CHECK(stats.written == 2);
  auto afterBatch = other.listAgents();
  REQUIRE(afterBatch.ok());
  for (const auto& a : afterBatch.value()) {
    if (a.agentId == agents[0]) {
      CHECK(a.lastSeenMs == now + 400);
      CHECK(a.heartbeatIntervalMs == 30000);
      CHECK(a.spoolEvents == 11);
      CHECK(a.policy.version == 9);  // no policy in these heartbeats: kept
      CHECK(a.contentSets == sets);  // nor sets
    } else if (a.agentId == agents[1]) {
      CHECK(a.lastSeenMs == now + 500);
      CHECK(a.agentVersion == "1.2");
      CHECK(a.contentSets == "[]");  // coalesced with the later heartbeat
    }
  }
}

// Retention in bounded batches: events older than their type's days go, newer ones stay, on both
// backends. Types and ids are this run's own; the default class only takes events older than a
// year, which no other test stores.
void checkRetention(store::EventStore& store, const std::string& agentId, std::int64_t now) {
  const std::string tag = agentId.substr(agentId.size() - 8);
  const std::string shortType = "retention.t" + tag, familyType = "retention.f" + tag + ".x",
                    familyExact = "retention.f" + tag + ".kept", otherType = "retention.o" + tag;
  store::RetentionPolicy policy;
  policy.defaultDays = 400;
  policy.batchRows = 7;  // several batches per class
  REQUIRE(addRetentionRules(shortType + "=30,retention.f" + tag + ".*=100," + familyExact + "=0", policy).ok());
  const std::int64_t day = store::kDayMs;
  struct Planned {
    std::int64_t ageDays;
    std::string type;
    bool kept;
  };
  const std::vector<Planned> plan = {
      {500, otherType, false},  {399, otherType, true}, {31, shortType, false},    {29, shortType, true},
      {101, familyType, false}, {99, familyType, true}, {3000, familyExact, true}, {1, otherType, true},
  };
  std::vector<Event> events;
  std::vector<bool> kept;
  for (const auto& p : plan) {
    common::Uuid7Generator groupIds;  // one generator never goes back in time
    for (int i = 0; i < 10; ++i) {
      events.push_back(makeEvent(groupIds, agentId, now - p.ageDays * day + i, p.type));
      kept.push_back(p.kept);
    }
  }
  REQUIRE(store.insertEvents(agentId, events, now).ok());
  auto report = store.enforceRetention(policy, now);
  REQUIRE(report.ok());
  CHECK_FALSE(report.value().skipped);
  CHECK(report.value().complete);
  CHECK(report.value().deletedEvents >= 30);  // older runs of this test may have left more
  EventQuery query;
  query.agentId = agentId;
  query.limit = 5000;
  auto page = store.queryEvents(query);
  REQUIRE(page.ok());
  std::set<std::string> left;
  for (const auto& row : page.value().events) left.insert(row.id);
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("event of type ", events[i].type, " created ", (now - events[i].timeMs) / day, " days ago");
    CHECK(left.count(events[i].id) == (kept[i] ? 1u : 0u));
  }
  // A second run finds nothing more to delete.
  auto again = store.enforceRetention(policy, now);
  REQUIRE(again.ok());
  CHECK(again.value().deletedEvents == 0);
}

}  // namespace

// Fingerprint sets (migration 9): documents replaced by id, versions only forward (also from another
// collector), removal keeps the version. Names carry the agent id: the database may hold older runs.
void checkFingerprintSets(store::EventStore& store, store::EventStore& other, const std::string& suffix,
                          std::int64_t now) {
  const std::string set = "set-" + suffix.substr(suffix.size() - 12);
  REQUIRE(store
              .addFingerprintDocuments({{set, "doc1", "plan.docx", 100, "AAAAAAAAAAA", now},
                                        {set, "doc2", "memo.txt", 50, "AQAAAAAAAAA", now}})
              .ok());
  REQUIRE(other.addFingerprintDocuments({{set, "doc1", "plan-v2.docx", 120, "AgAAAAAAAAA", now + 1}}).ok());
  auto documents = store.fingerprintDocuments(set, true);
  REQUIRE(documents.ok());
  REQUIRE(documents.value().size() == 2);
  CHECK(documents.value()[0].name == "plan-v2.docx");
  CHECK(documents.value()[0].hashes == "AgAAAAAAAAA");
  auto withoutHashes = store.fingerprintDocuments(set, false);
  REQUIRE(withoutHashes.ok());
  CHECK(withoutHashes.value()[1].hashes.empty());

  store::FingerprintSetRecord record{set, 1, "{\"envelope\":1}", "sha-1", 2, 10, now};
  CHECK(store.putFingerprintSet(record).value());
  CHECK_FALSE(other.putFingerprintSet(record).value());  // version 1 is taken: build again
  record.version = 2;
  record.sha256 = "sha-2";
  CHECK(other.putFingerprintSet(record).value());
  auto read = store.fingerprintSet(set);
  REQUIRE(read.ok());
  REQUIRE(read.value().has_value());
  CHECK(read.value()->version == 2);
  CHECK(read.value()->envelope == "{\"envelope\":1}");
  CHECK(read.value()->artifactBytes == 14 * 3 / 4);  // the stored text's length, decoded
  auto sets = store.listFingerprintSets();
  REQUIRE(sets.ok());
  bool listed = false;
  for (const auto& s : sets.value()) listed = listed || (s.name == set && s.envelope.empty() && s.artifactBytes == 10);
  CHECK(listed);

  CHECK(store.removeFingerprintSet(set, now + 2).value());
  CHECK_FALSE(other.removeFingerprintSet(set, now + 3).value());
  CHECK(store.fingerprintDocuments(set, true).value().empty());
  read = store.fingerprintSet(set);
  REQUIRE(read.value().has_value());
  CHECK(read.value()->envelope.empty());
  CHECK(read.value()->version == 3);  // a set registered again continues above every copy agents hold
  record.version = 4;
  CHECK(store.putFingerprintSet(record).value());
  CHECK_FALSE(store.fingerprintSet("unknown-" + set).value().has_value());

  // Exact-data-match sets (migration 12) live beside them under the same names, independently: an
  // upload's parts, cleared once the set is built.
  using store::SetKind;
  REQUIRE(store
              .addSetDocuments(SetKind::kEdm, {{set, "up1.000001", "customers.csv", 3, "AAAAAAAAAAAAAAAA", now},
                                               {set, "up1.000002", "customers.csv", 1, "AQAAAAAAAAAAAAAA", now}})
              .ok());
  CHECK(store.setDocuments(SetKind::kEdm, set, true).value().size() == 2);
  CHECK(store.fingerprintDocuments(set, true).value().empty());
  store::FingerprintSetRecord edm{set, 1, "{\"edm\":1}", "sha-e", 3000, 18000, now};
  CHECK(other.putSet(SetKind::kEdm, edm).value());
  CHECK(store.fingerprintSet(set).value()->version == 4);  // the fingerprint set is untouched
  CHECK(store.findSet(SetKind::kEdm, set).value()->envelope == "{\"edm\":1}");
  REQUIRE(store.clearSetDocuments(SetKind::kEdm, set).ok());
  CHECK(store.setDocuments(SetKind::kEdm, set, true).value().empty());
  CHECK(store.removeSet(SetKind::kEdm, set, now + 4).value());
  CHECK(store.findSet(SetKind::kEdm, set).value()->version == 2);
  bool edmListed = false;
  auto edmSets = store.listSets(SetKind::kEdm);
  REQUIRE(edmSets.ok());
  for (const auto& s : edmSets.value()) edmListed = edmListed || s.name == set;
  CHECK(edmListed);
}

// Exception requests: the per-agent bound on waiting requests, a resent request is the same one,
// expiry by age, one answer per request (also from a second store on the same database), and the
// agent's answers by decision time.
void checkExceptionRequests(store::EventStore& store, store::EventStore& other, common::Uuid7Generator& ids,
                            std::int64_t now) {
  const std::string agent = ids.next(now), otherAgent = ids.next(now);
  auto request = [&](const std::string& agentId, int n, std::int64_t createdMs) {
    store::ExceptionRequestRecord r;
    r.id = ids.next(createdMs);
    r.agentId = agentId;
    r.host = "pc-山田";
    r.user = "yamada";
    r.deviceId = "1-" + std::to_string(n);
    r.deviceName = "USB \"stick\" 0781:5567";
    r.challenge = "3f2a91c0-07815567-0000000" + std::to_string(n);
    r.reason = "会議資料を\n持ち出すため";
    r.minutesAsked = 60;
    r.createdMs = createdMs;
    return r;
  };
  const std::int64_t pendingSince = now - 1000;
  // An old request still pending is expired: it does not count against the bound.
  auto old = request(agent, 9, now - 5000);
  REQUIRE(store.addExceptionRequest(old, 3, now - 10'000).value().outcome == store::AddRequestResult::Outcome::kAdded);
  std::vector<std::string> added;
  for (int n = 0; n < 3; ++n) {
    auto r = request(agent, n, now + n);
    auto result = (n % 2 == 0 ? store : other).addExceptionRequest(r, 3, pendingSince);
    REQUIRE(result.ok());
    CHECK(result.value().outcome == store::AddRequestResult::Outcome::kAdded);
    CHECK(result.value().id == r.id);
    CHECK(result.value().pending == n + 1);
    added.push_back(r.id);
  }
  auto again = store.addExceptionRequest(request(agent, 1, now + 10), 3, pendingSince);
  REQUIRE(again.ok());
  CHECK(again.value().outcome == store::AddRequestResult::Outcome::kAlreadyPending);
  CHECK(again.value().id == added[1]);
  auto tooMany = store.addExceptionRequest(request(agent, 5, now + 11), 3, pendingSince);
  REQUIRE(tooMany.ok());
  CHECK(tooMany.value().outcome == store::AddRequestResult::Outcome::kTooMany);
  CHECK(tooMany.value().pending == 3);
  // Another agent has its own bound.
  CHECK(store.addExceptionRequest(request(otherAgent, 0, now), 3, pendingSince).value().outcome ==
        store::AddRequestResult::Outcome::kAdded);

  auto read = store.exceptionRequest(added[0]);
  REQUIRE(read.ok());
  REQUIRE(read.value().has_value());
  CHECK(read.value()->host == "pc-山田");
  CHECK(read.value()->deviceName == "USB \"stick\" 0781:5567");
  CHECK(read.value()->reason == "会議資料を\n持ち出すため");
  CHECK(read.value()->state == "pending");
  CHECK(read.value()->minutesAsked == 60);
  CHECK_FALSE(store.exceptionRequest(ids.next(now)).value().has_value());

  store::ExceptionRequestRecord approve;
  approve.id = added[0];
  approve.state = "approved";
  approve.decidedBy = "admin";
  approve.decidedMs = now + 100;
  approve.minutes = 30;
  approve.response = "code";
  CHECK(store.decideExceptionRequest(approve, pendingSince).value() == store::DecideOutcome::kDecided);
  CHECK(other.decideExceptionRequest(approve, pendingSince).value() == store::DecideOutcome::kNotPending);
  store::ExceptionRequestRecord refuse = approve;
  refuse.id = added[1];
  refuse.state = "refused";
  refuse.note = "not for that";
  refuse.minutes = 0;
  refuse.response.clear();
  refuse.decidedMs = now + 200;
  CHECK(other.decideExceptionRequest(refuse, pendingSince).value() == store::DecideOutcome::kDecided);
  refuse.id = old.id;  // expired: no answer any more
  CHECK(store.decideExceptionRequest(refuse, pendingSince).value() == store::DecideOutcome::kNotPending);
  refuse.id = ids.next(now);
  CHECK(store.decideExceptionRequest(refuse, pendingSince).value() == store::DecideOutcome::kNotFound);

  // Room for one more now that two were answered.
  CHECK(store.addExceptionRequest(request(agent, 6, now + 12), 3, pendingSince).value().outcome ==
        store::AddRequestResult::Outcome::kAdded);

  store::ExceptionRequestQuery answers;
  answers.agentId = agent;
  answers.decidedSinceMs = now + 150;
  auto list = store.listExceptionRequests(answers);
  REQUIRE(list.ok());
  REQUIRE(list.value().size() == 1);
  CHECK(list.value()[0].id == added[1]);
  CHECK(list.value()[0].note == "not for that");
  answers.decidedSinceMs = now;
  list = other.listExceptionRequests(answers);
  REQUIRE(list.value().size() == 2);
  CHECK(list.value()[0].id == added[1]);  // newest first
  CHECK(list.value()[1].response == "code");
  CHECK(list.value()[1].minutes == 30);
  CHECK(list.value()[1].decidedBy == "admin");
  store::ExceptionRequestQuery all;
  all.agentId = agent;
  list = store.listExceptionRequests(all);
  REQUIRE(list.ok());
  CHECK(list.value().size() == 5);
  all.limit = 2;
  CHECK(store.listExceptionRequests(all).value().size() == 2);
}

void checkStoreContract(const std::string& dbUrl) {
  // Two stores migrating the same database at once: both must succeed (advisory lock / BEGIN IMMEDIATE).
  std::unique_ptr<store::EventStore> first, second;
  std::string firstError, secondError;
  std::thread a([&] {
    auto s = store::openEventStore(dbUrl);
    if (s)
      first = std::move(s).value();
    else
      firstError = s.error().describe();
  });
  std::thread b([&] {
    auto s = store::openEventStore(dbUrl);
    if (s)
      second = std::move(s).value();
    else
      secondError = s.error().describe();
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
  AgentRecord agent{agentId, "pc-1", "Debian GNU/Linux 12", "0.1.0", now, now, 0, 0, 0, "default", {}};
  REQUIRE(store.enrollAgent(agent, "old-" + keyHash).ok());
  REQUIRE(store.enrollAgent(agent, keyHash).ok());
  CHECK_FALSE(store.agentForKey("old-" + keyHash).value().has_value());
  auto found = second->agentForKey(keyHash);  // the other "collector" sees it at once
  REQUIRE(found.ok());
  REQUIRE(found.value().has_value());
  CHECK(*found.value() == agentId);

  // Insert, then the same batch again: all duplicates, nothing new.
  std::vector<Event> batch;
  batch.reserve(250);
  for (int i = 0; i < 250; ++i)
    batch.push_back(makeEvent(ids, agentId, now + i, i % 2 == 0 ? "file.copied" : "device.blocked"));
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
  // A search finds a name with a quote, as it is typed, though the details hold it JSON-escaped; the
  // host field ("pc-\"quoted\"\\") is matched as it is.
  query = EventQuery{};
  query.agentId = agentId;
  query.limit = 1000;
  for (const std::string& typed :
       {std::string("b'c\".docx"), std::string("B'C\".DOCX"), std::string("pc-\"quoted\"\\")}) {
    query.text = typed;
    auto searched = store.queryEvents(query);
    REQUIRE(searched.ok());
    CHECK_MESSAGE(!searched.value().events.empty(), typed);
  }

  // Heartbeat and the agents list.
  store::HeartbeatUpdate beat{agentId, now + 5000, 30000, 7, std::string("0.2.0"), {}};
  auto beatOk = store.recordHeartbeat(beat);
  REQUIRE(beatOk.ok());
  CHECK(beatOk.value());
  auto noAgent = store.recordHeartbeat(store::HeartbeatUpdate{ids.next(now), now, {}, {}, {}, {}});
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
    // Its newest event (the greatest id): the one of the mixed batch, made at now + 1000.
    CHECK(record.lastEventMs == now + 1000);
    CHECK(record.lastEventType == "file.copied");
    CHECK(record.lastEventUser == "山田");
    CHECK(record.group == "default");
    CHECK(record.policy.version == 0);
  }
  CHECK(listed);

  checkGroupsAndPolicies(store, *second, agentId, now);
  checkBatchedHeartbeats(store, *second, ids, now);
  checkRetention(store, agentId, now);
  checkFingerprintSets(store, *second, agentId, now);
  checkExceptionRequests(store, *second, ids, now);
}

}  // namespace mamori::collector::test
