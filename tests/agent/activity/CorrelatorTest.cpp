// Correlation into incidents, bulk windows and copy sources: pure, times given by the tests.
#include <doctest/doctest.h>

#include "agent/activity/BulkTracker.h"
#include "agent/activity/Correlator.h"
#include "agent/activity/RecentReads.h"

using namespace mamori;
using namespace mamori::agent::activity;

namespace {
Evidence ev(const std::string& user, const std::string& type, std::int64_t t, std::int64_t weight) {
  Evidence e;
  e.eventId = type + "@" + std::to_string(t);
  e.type = type;
  e.timeMs = t;
  e.user = user;
  e.weight = weight;
  return e;
}
}  // namespace

TEST_CASE("correlator: opens at the threshold, updates while active, closes after a quiet window") {
  int ids = 0;
  Correlator correlator({60, 60}, [&] { return "incident-" + std::to_string(++ids); });
  CHECK_FALSE(correlator.add(ev("alice", "activity.removable_write", 1000, 40)));
  CHECK_FALSE(correlator.add(ev("bob", "activity.cloud_sync_write", 2000, 30)));  // another user: apart
  auto opened = correlator.add(ev("alice", "activity.cloud_sync_write", 5000, 30));
  REQUIRE(opened);
  CHECK(opened->opened);
  CHECK(opened->incidentId == "incident-1");
  CHECK(opened->score == 70);
  CHECK(opened->user == "alice");
  REQUIRE(opened->evidence.size() == 2);
  CHECK(opened->evidence[0].eventId == "activity.removable_write@1000");
  CHECK(opened->firstMs == 1000);

  auto updated = correlator.add(ev("alice", "activity.print", 30'000, 25));
  REQUIRE(updated);
  CHECK_FALSE(updated->opened);
  CHECK(updated->incidentId == "incident-1");
  CHECK(updated->score == 95);
  CHECK(updated->evidence.size() == 3);
  CHECK(correlator.openIncidents() == 1);

  // A whole quiet window later: the incident is closed; one event alone does not open a new one.
  CHECK_FALSE(correlator.add(ev("alice", "activity.print", 30'000 + 61'000, 25)));
  CHECK(correlator.openIncidents() == 0);
}

TEST_CASE("correlator: the evidence chain keeps the newest kMaxEvidence events") {
  Correlator correlator({600, 60}, [] { return "x"; });
  std::optional<IncidentReport> last;
  for (int i = 0; i < 100; ++i) last = correlator.add(ev("alice", "a.b", 1000 + i, 40));
  REQUIRE(last);
  CHECK(last->evidence.size() == Correlator::kMaxEvidence);
  CHECK(last->evidence.back().timeMs == 1099);
  CHECK(last->score == 4000);
}

TEST_CASE("correlator: events older than the window do not add up") {
  Correlator correlator({60, 60}, [] { return "x"; });
  CHECK_FALSE(correlator.add(ev("alice", "a.b", 0, 40)));
  CHECK_FALSE(correlator.add(ev("alice", "a.b", 61'000, 30)));
  CHECK(correlator.add(ev("alice", "a.b", 62'000, 30)));
}

TEST_CASE("bulk: N files within T seconds, once per window; slow readers never") {
  BulkTracker bulk({5, 1LL << 40, 10});
  for (int i = 0; i < 4; ++i) CHECK_FALSE(bulk.add(42, "/w/f" + std::to_string(i), 10, 1000 + i));
  auto found = bulk.add(42, "/w/f4", 10, 1004);
  REQUIRE(found);
  CHECK(found->files == 5);
  CHECK(found->bytes == 50);
  CHECK(found->samplePaths.front() == "/w/f0");
  // Quiet for a whole window after the report, however much more it reads; then it counts again.
  for (int i = 5; i < 500; ++i) CHECK_FALSE(bulk.add(42, "/w/f", 10, 1004 + i));
  for (int i = 0; i < 4; ++i) CHECK_FALSE(bulk.add(42, "/w/g", 10, 12'000 + i));
  CHECK(bulk.add(42, "/w/g", 10, 12'004));
  // One file every 3 s never reaches 5 within 10 s.
  for (int i = 0; i < 20; ++i) CHECK_FALSE(bulk.add(7, "/w/s", 1, 100'000 + i * 3000));
}

TEST_CASE("bulk: bytes threshold") {
  BulkTracker bulk({1000, 1024, 10});
  CHECK_FALSE(bulk.add(1, "/w/a", 1000, 0));
  auto found = bulk.add(1, "/w/b", 100, 10);
  REQUIRE(found);
  CHECK(found->bytes == 1100);
}

TEST_CASE("recent reads: the source of a copy by name, else by size, else none") {
  RecentReads reads;
  reads.add(5, "/home/a/plan.docx", 100, 0);
  reads.add(5, "/home/a/other.bin", 777, 1);
  CHECK(reads.sourceOf(5, "/media/usb/plan.docx", 100) == std::optional<std::string>("/home/a/plan.docx"));
  CHECK(reads.sourceOf(5, "/media/usb/renamed", 777) == std::optional<std::string>("/home/a/other.bin"));
  CHECK_FALSE(reads.sourceOf(5, "/media/usb/x", 3));
  CHECK_FALSE(reads.sourceOf(6, "/media/usb/plan.docx", 100));
  CHECK(reads.readsOf(5).size() == 2);
}
