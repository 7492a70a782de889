#include <Poco/JSON/Array.h>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "agent/report/Spool.h"
#include "common/EventJson.h"
#include "tests/agent/TestSupport.h"

namespace mamori::agent {
namespace {

using common::Severity;
using test::TempDir;

constexpr const char* kAgentId = "01a20659-6589-7386-997e-0d7b84f7e110";

struct Fixture {
  TempDir dir;
  common::FakeClock clock{1'795'000'000'000};
  EventFactory events{kAgentId, "pc-1", clock};
  std::string path = dir.file("spool.db");

  std::unique_ptr<Spool> open(SpoolLimits limits = {}) {
    auto spool = Spool::open(path, limits, events);
    REQUIRE_MESSAGE(spool.ok(), (spool.ok() ? "" : spool.error().describe()));
    return std::move(spool).value();
  }

  // Appends n events of one type to batch (details {"n": 0..n-1}).
  void add(std::vector<common::Event>& batch, const std::string& type, Severity severity, int n) {
    batch.reserve(batch.size() + static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) batch.push_back(event(type, severity, i));
  }

  common::Event event(const std::string& type, Severity severity, int n = 0) {
    auto details = makeDetails();
    details->set("n", n);
    return events.make(type, severity, details);
  }
};

std::vector<common::Event> parseAll(Spool& spool) {
  auto all = spool.allJson();
  REQUIRE(all.ok());
  std::vector<common::Event> out;
  for (const auto& line : all.value()) {
    auto e = common::parseEvent(line);
    REQUIRE(e.ok());
    out.push_back(std::move(e).value());
  }
  return out;
}

const common::Event* findType(const std::vector<common::Event>& events, const std::string& type) {
  for (const auto& e : events) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

TEST_CASE("spool: append, read in order, acknowledge") {
  Fixture f;
  auto spool = f.open();
  std::vector<common::Event> batch;
  f.add(batch, "test.event", Severity::Info, 5);
  REQUIRE(spool->append(batch).ok());
  CHECK(spool->eventCount() == 5);
  CHECK(spool->byteCount() > 0);

  auto read = spool->readBatch(3, 1 << 20);
  REQUIRE(read.ok());
  REQUIRE(read.value().size() == 3);
  CHECK(read.value().ids[0] == batch[0].id);
  CHECK(read.value().ids[2] == batch[2].id);
  // The stored text is the event's JSON, sent as is.
  CHECK(read.value().jsonLines[1] == common::eventToJson(batch[1]));

  // Nothing leaves before the acknowledgement.
  CHECK(spool->eventCount() == 5);
  REQUIRE(spool->acknowledge(read.value().ids).ok());
  CHECK(spool->eventCount() == 2);
  auto rest = spool->readBatch(10, 1 << 20);
  REQUIRE(rest.ok());
  REQUIRE(rest.value().size() == 2);
  CHECK(rest.value().ids[0] == batch[3].id);
}

TEST_CASE("spool: batches are bounded by bytes but hold at least one event") {
  Fixture f;
  auto spool = f.open();
  std::vector<common::Event> batch;
  f.add(batch, "test.event", Severity::Info, 10);
  REQUIRE(spool->append(batch).ok());
  const auto one = static_cast<std::int64_t>(common::eventToJson(batch[0]).size());
  auto read = spool->readBatch(100, one * 3 + 1);
  REQUIRE(read.ok());
  CHECK(read.value().size() == 3);
  auto tiny = spool->readBatch(100, 1);
  REQUIRE(tiny.ok());
  CHECK(tiny.value().size() == 1);
}

TEST_CASE("spool: events survive closing and reopening") {
  Fixture f;
  std::vector<std::string> ids;
  {
    auto spool = f.open();
    std::vector<common::Event> batch;
    f.add(batch, "test.event", Severity::Low, 7);
    for (const auto& e : batch) ids.push_back(e.id);
    REQUIRE(spool->append(batch).ok());
  }
  auto spool = f.open();
  CHECK(spool->eventCount() == 7);
  auto read = spool->readBatch(100, 1 << 20);
  REQUIRE(read.ok());
  CHECK(read.value().ids == ids);
}

TEST_CASE("spool: when full, the oldest lowest-severity events go first and spool.overflow says so") {
  Fixture f;
  auto spool = f.open({.maxEvents = 10, .maxBytes = 1 << 30, .maxRejected = 100});
  std::vector<common::Event> first;
  f.add(first, "test.high", Severity::High, 3);
  f.add(first, "test.info", Severity::Info, 4);
  f.add(first, "test.low", Severity::Low, 3);
  REQUIRE(spool->append(first).ok());
  CHECK(spool->eventCount() == 10);

  // Three more: 13 > 10, and the report needs a slot: 4 must go, all info (the lowest severity).
  std::vector<common::Event> more;
  f.add(more, "test.medium", Severity::Medium, 3);
  REQUIRE(spool->append(more).ok());
  CHECK(spool->eventCount() == 10);

  const auto all = parseAll(*spool);
  int info = 0;
  int high = 0;
  for (const auto& e : all) {
    info += e.type == "test.info" ? 1 : 0;
    high += e.type == "test.high" ? 1 : 0;
  }
  CHECK(info == 0);
  CHECK(high == 3);
  const auto* report = findType(all, "spool.overflow");
  REQUIRE(report != nullptr);
  CHECK(report->severity == Severity::Medium);
  CHECK(report->details->getValue<std::int64_t>("spool.dropped.events") == 4);
  auto lines = report->details->getArray("spool.dropped.by_type");
  REQUIRE(!lines.isNull());
  REQUIRE(lines->size() == 1);
  auto line = lines->getObject(0);
  CHECK(line->getValue<std::string>("type") == "test.info");
  CHECK(line->getValue<std::string>("severity") == "info");
  CHECK(line->getValue<std::int64_t>("events") == 4);
  CHECK(line->getValue<std::int64_t>("bytes") > 0);
}

TEST_CASE("spool: a byte bound drops low severity first too, and reports are not dropped silently") {
  Fixture f;
  const auto size = static_cast<std::int64_t>(common::eventToJson(f.event("test.info", Severity::Info)).size());
  // Room for the 8 KiB report reserve plus about 20 events.
  auto spool = f.open({.maxEvents = 1000, .maxBytes = std::int64_t{8} * 1024 + 20 * size, .maxRejected = 100});
  for (int round = 0; round < 5; ++round) {
    std::vector<common::Event> batch;
    f.add(batch, "test.info", Severity::Info, 10);
    batch.push_back(f.event("test.critical", Severity::Critical, round));
    REQUIRE(spool->append(batch).ok());
  }
  CHECK(spool->byteCount() <= std::int64_t{8} * 1024 + 20 * size);
  const auto all = parseAll(*spool);
  int critical = 0;
  std::int64_t droppedInReports = 0;
  for (const auto& e : all) {
    critical += e.type == "test.critical" ? 1 : 0;
    if (e.type == "spool.overflow") droppedInReports += e.details->getValue<std::int64_t>("spool.dropped.events");
  }
  CHECK(critical == 5);
  // Every event appended is either still here or counted in a report.
  std::int64_t here = 0;
  for (const auto& e : all) here += (e.type == "test.info" || e.type == "test.critical") ? 1 : 0;
  CHECK(here + droppedInReports == 55);
}

TEST_CASE("spool: overflow spares the batch in flight") {
  Fixture f;
  auto spool = f.open({.maxEvents = 6, .maxBytes = 1 << 30, .maxRejected = 100});
  std::vector<common::Event> batch;
  f.add(batch, "test.info", Severity::Info, 6);
  REQUIRE(spool->append(batch).ok());
  auto inFlight = spool->readBatch(2, 1 << 20);
  REQUIRE(inFlight.ok());
  REQUIRE(spool->append({f.event("test.info", Severity::Info, 99)}).ok());
  auto all = spool->allJson();
  REQUIRE(all.ok());
  bool firstStillThere = false;
  for (const auto& line : all.value()) firstStillThere |= line.find(batch[0].id) != std::string::npos;
  CHECK(firstStillThere);
  REQUIRE(spool->acknowledge(inFlight.value().ids).ok());
}

TEST_CASE("spool: a batch is at most half the spool, so a full spool drops outside the batch") {
  Fixture f;
  auto spool = f.open({.maxEvents = 6, .maxBytes = 1 << 30, .maxRejected = 100});
  std::vector<common::Event> batch;
  f.add(batch, "test.info", Severity::Info, 6);
  REQUIRE(spool->append(batch).ok());
  auto inFlight = spool->readBatch(100, 1 << 20);  // the uploader asks for more than the spool holds
  REQUIRE(inFlight.ok());
  CHECK(inFlight.value().size() == 3);
  // The agent's stop event arrives while the batch is on its way: the drop it forces is not in it.
  REQUIRE(spool->append({f.event("test.info", Severity::Info, 99)}).ok());
  auto all = spool->allJson();
  REQUIRE(all.ok());
  for (const auto& id : inFlight.value().ids) {
    bool present = false;
    for (const auto& line : all.value()) present |= line.find(id) != std::string::npos;
    CHECK_MESSAGE(present, "an event of the batch in flight was dropped: " << id);
  }
  REQUIRE(spool->acknowledge(inFlight.value().ids).ok());
}

TEST_CASE("spool: a corrupt file is moved aside, a new spool created and spool.corrupt reported") {
  Fixture f;
  {
    std::ofstream garbage(f.path, std::ios::binary);
    garbage << std::string(8192, 'x');
  }
  {
    std::ofstream wal(f.path + "-wal", std::ios::binary);
    wal << "not a wal";
  }
  auto spool = f.open();
  std::string moved;
  for (const auto& entry : std::filesystem::directory_iterator(f.dir.path())) {
    const auto name = entry.path().filename().string();
    if (name.rfind("spool.db.corrupt-", 0) == 0 && name.find("-wal") == std::string::npos) moved = entry.path();
  }
  REQUIRE(!moved.empty());
  CHECK(std::filesystem::file_size(moved) == 8192);  // kept, not deleted
  CHECK(std::filesystem::exists(moved + "-wal"));
  const auto all = parseAll(*spool);
  const auto* report = findType(all, "spool.corrupt");
  REQUIRE(report != nullptr);
  CHECK(report->severity == Severity::High);
  CHECK(report->details->getValue<std::string>("spool.moved_to") == moved);
  CHECK(!report->details->getValue<std::string>("error.message").empty());
  // The new spool works.
  REQUIRE(spool->append({f.event("test.info", Severity::Info)}).ok());
  CHECK(spool->eventCount() == 2);
}

TEST_CASE("spool: a truncated database fails its check and is moved aside") {
  Fixture f;
  {
    auto spool = f.open();
    std::vector<common::Event> batch;
    f.add(batch, "test.info", Severity::Info, 2000);
    REQUIRE(spool->append(batch).ok());
  }
  std::filesystem::resize_file(f.path, std::filesystem::file_size(f.path) / 2);
  auto spool = f.open();
  const auto all = parseAll(*spool);
  CHECK(findType(all, "spool.corrupt") != nullptr);
  CHECK(all.size() == 1);
}

TEST_CASE("spool: rejected batches are kept aside with the reason, and reported") {
  Fixture f;
  auto spool = f.open({.maxEvents = 1000, .maxBytes = 1 << 30, .maxRejected = 3});
  std::vector<common::Event> batch;
  f.add(batch, "test.info", Severity::Info, 5);
  REQUIRE(spool->append(batch).ok());
  auto read = spool->readBatch(2, 1 << 20);
  REQUIRE(read.ok());
  REQUIRE(spool->reject(read.value().ids, {400, "expected a string", "/events/0/user"}).ok());
  CHECK(spool->eventCount() == 4);  // 3 left + the report
  auto rows = spool->rejectedRows();
  REQUIRE(rows.ok());
  REQUIRE(rows.value().size() == 2);
  CHECK(rows.value()[0].id == batch[0].id);
  CHECK(rows.value()[0].status == 400);
  CHECK(rows.value()[0].error.find("/events/0/user") != std::string::npos);
  const auto all = parseAll(*spool);
  const auto* report = findType(all, "report.batch_rejected");
  REQUIRE(report != nullptr);
  CHECK(report->details->getValue<int>("http.response.status_code") == 400);
  CHECK(report->details->getValue<std::int64_t>("report.rejected.events") == 2);
  CHECK(report->details->getValue<std::string>("error.where") == "/events/0/user");

  // Bounded: the oldest rejected rows go first.
  auto more = spool->readBatch(3, 1 << 20);
  REQUIRE(more.ok());
  REQUIRE(spool->reject(more.value().ids, {422, "agent_id mismatch", ""}).ok());
  auto count = spool->rejectedCount();
  REQUIRE(count.ok());
  CHECK(count.value() == 3);
}

TEST_CASE("spool: a rejected rejection report is not reported again") {
  Fixture f;
  auto spool = f.open();
  REQUIRE(spool->append({f.event("test.info", Severity::Info)}).ok());
  auto read = spool->readBatch(1, 1 << 20);
  REQUIRE(spool->reject(read.value().ids, {400, "bad", ""}).ok());
  auto report = spool->readBatch(1, 1 << 20);
  REQUIRE(report.ok());
  REQUIRE(report.value().size() == 1);
  REQUIRE(spool->reject(report.value().ids, {400, "bad", ""}).ok());
  CHECK(spool->eventCount() == 0);
}

TEST_CASE("spool: append throughput (one transaction per 1000 events, synchronous=FULL)") {
  Fixture f;
  auto spool = f.open();
  constexpr int kChunks = 20;
  std::vector<std::vector<common::Event>> chunks(kChunks);
  for (auto& chunk : chunks) {
    f.add(chunk, "test.synthetic", Severity::Info, 1000);
  }
  const auto start = std::chrono::steady_clock::now();
  for (const auto& chunk : chunks) REQUIRE(spool->append(chunk).ok());
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("spool append: " << static_cast<long>(kChunks * 1000 / seconds) << " events/s");
  CHECK(spool->eventCount() == kChunks * 1000);
}

}  // namespace
}  // namespace mamori::agent
