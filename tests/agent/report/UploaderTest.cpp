#include <doctest/doctest.h>

#include <fstream>

#include "agent/report/Enrollment.h"
#include "agent/report/UploadOutcome.h"
#include "agent/report/Uploader.h"
#include "common/EventJson.h"
#include "common/Gzip.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"
#include "tests/agent/report/ReportFixtures.h"

namespace mamori::agent {
namespace {

using common::Severity;
using test::FakeTransport;
using test::TempDir;

constexpr const char* kAgentId = "01a20659-6589-7386-997e-0d7b84f7e110";
const char* const kNodeKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

// The pipeline with a fake transport; the backoff "random" value is always the ceiling, so delays
// are exact: 100, 200, 400 ... capped at 1000.
struct Pipeline {
  TempDir dir;
  common::FakeClock clock{1'795'000'000'000};
  EventFactory events{kAgentId, "pc-1", clock};
  std::unique_ptr<Spool> spool;
  std::unique_ptr<IdentityStore> identity;
  FakeTransport transport;
  RetryScheduler scheduler{{100, 1000}, [](std::int64_t hi) { return hi; }};
  std::unique_ptr<Uploader> uploader;

  explicit Pipeline(std::string nodeKey, bool withSecret = true, std::int64_t batchMaxEvents = 10) {
    test::qtApp();
    spool = test::openSpool(dir, events);
    identity = test::loadIdentity(dir, clock);
    Identity id = identity->identity();
    id.agentId = kAgentId;
    id.collectorUrl = "https://collector:8443";
    id.nodeKey = std::move(nodeKey);
    REQUIRE(identity->save(id).ok());
    UploaderSettings settings;
    settings.batchMaxEvents = batchMaxEvents;
    settings.batchMaxBytes = 1 << 20;
    if (withSecret) {
      settings.enrollSecretFile = dir.file("secret");
      std::ofstream(settings.enrollSecretFile) << "s3cret\n";
    }
    settings.enrollFacts = {kAgentId, "pc-1", "Debian GNU/Linux 12", "0.1.0", ""};
    uploader = std::make_unique<Uploader>(*spool, transport, scheduler, *identity, settings);
  }

  std::vector<std::string> spoolEvents(int n, Severity severity = Severity::Info) {
    std::vector<common::Event> batch;
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      batch.push_back(events.make("test.event", severity));
      ids.push_back(batch.back().id);
    }
    REQUIRE(spool->append(batch).ok());
    return ids;
  }

  // Event ids in the body of the pending upload.
  std::vector<std::string> pendingIds() const {
    REQUIRE(transport.hasPending());
    auto parsed = common::parseEventBatch(transport.front().body);
    REQUIRE(parsed.ok());
    std::vector<std::string> ids;
    for (const auto& e : parsed.value()) ids.push_back(e.id);
    return ids;
  }
};

std::string header(const TransportRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return {};
}

TEST_CASE("upload outcome: the answer table of docs/api.md") {
  auto status = [](int code) {
    common::net::HttpResponse r;
    r.status = code;
    return classifyUpload(common::Result<common::net::HttpResponse>(r));
  };
  CHECK(status(200) == UploadOutcome::Delivered);
  CHECK(status(400) == UploadOutcome::Final);
  CHECK(status(415) == UploadOutcome::Final);
  CHECK(status(422) == UploadOutcome::Final);
  CHECK(status(401) == UploadOutcome::AuthFailed);
  CHECK(status(413) == UploadOutcome::TooLarge);
  CHECK(status(408) == UploadOutcome::Retry);
  CHECK(status(429) == UploadOutcome::Retry);
  CHECK(status(500) == UploadOutcome::Retry);
  CHECK(status(503) == UploadOutcome::Retry);
  CHECK(classifyUpload(common::Result<common::net::HttpResponse>(common::makeError("refused"))) ==
        UploadOutcome::Retry);
  const auto why = parseCollectorError(R"({"error":"expected a string","where":"/events/3/user"})");
  CHECK(why.error == "expected a string");
  CHECK(why.where == "/events/3/user");
}

TEST_CASE("uploader: enrolls first, then delivers in order; events leave only after the ack") {
  Pipeline p("");
  const auto ids = p.spoolEvents(15);
  bool drained = false;
  QObject::connect(p.uploader.get(), &Uploader::drained, [&] { drained = true; });
  p.uploader->kick();
  REQUIRE(p.transport.hasPending());
  CHECK(p.transport.front().path == "/api/v1/enroll");
  auto body = common::parseJson(p.transport.front().body, "enroll");
  REQUIRE(body.ok());
  auto obj = body.value().extract<Poco::JSON::Object::Ptr>();
  CHECK(obj->getValue<std::string>("enroll_secret") == "s3cret");
  CHECK(obj->getValue<std::string>("agent_id") == kAgentId);
  p.transport.answer(200, std::string(R"({"agent_id":")") + kAgentId + R"(","node_key":")" + kNodeKey + "\"}");
  CHECK(p.identity->identity().nodeKey == kNodeKey);
  // Persisted: a restart reuses it.
  auto reloaded = IdentityStore::load(p.dir.file("identity.json"), 0);
  REQUIRE(reloaded.ok());
  CHECK(reloaded.value().identity().nodeKey == kNodeKey);

  REQUIRE(p.transport.hasPending());
  const auto& upload = p.transport.front();
  CHECK(upload.path == "/api/v1/events");
  CHECK(upload.gzip);
  CHECK(header(upload, "Authorization") == std::string("Bearer ") + kNodeKey);
  CHECK(header(upload, "Content-Type") == "application/json");
  const auto first = p.pendingIds();
  CHECK(first == std::vector<std::string>(ids.begin(), ids.begin() + 10));
  CHECK(p.spool->eventCount() == 15);  // in flight, still spooled
  p.transport.answer(200, R"({"accepted":10,"duplicates":0})");
  CHECK(p.spool->eventCount() == 5);
  // The next batch goes at once.
  CHECK(p.pendingIds() == std::vector<std::string>(ids.begin() + 10, ids.end()));
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
  CHECK(drained);
  CHECK(p.uploader->idle());
  CHECK(p.uploader->delivered() == 15);
}

TEST_CASE("uploader: network errors, 5xx, 408 and 429 are retried with growing backoff, reset on success") {
  Pipeline p(kNodeKey);
  p.spoolEvents(3);
  p.uploader->kick();
  p.transport.failNetwork();
  CHECK(p.spool->eventCount() == 3);
  CHECK(p.scheduler.pending());
  CHECK(!p.transport.hasPending());
  CHECK(p.scheduler.lastDelayMs() == 100);
  p.scheduler.fireNow();
  p.transport.answer(503);
  CHECK(p.scheduler.lastDelayMs() == 200);
  p.scheduler.fireNow();
  p.transport.answer(429);
  CHECK(p.scheduler.lastDelayMs() == 400);
  p.scheduler.fireNow();
  p.transport.answer(408);
  CHECK(p.scheduler.lastDelayMs() == 800);
  p.scheduler.fireNow();
  p.transport.answer(500);
  CHECK(p.scheduler.lastDelayMs() == 1000);  // the cap
  CHECK(p.spool->eventCount() == 3);
  p.scheduler.fireNow();
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
  CHECK(p.scheduler.failures() == 0);
  // A later failure starts from the base again.
  p.spoolEvents(1);
  p.uploader->kick();
  p.transport.answer(502);
  CHECK(p.scheduler.lastDelayMs() == 100);
}

TEST_CASE("uploader: the retry timer really fires through the event loop") {
  Pipeline p(kNodeKey);
  p.spoolEvents(2);
  p.uploader->kick();
  p.transport.answer(503);
  CHECK(test::waitFor([&] { return p.transport.hasPending(); }));
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
}

TEST_CASE("uploader: a final 4xx sets the batch aside, reports it, and goes on") {
  Pipeline p(kNodeKey);
  const auto ids = p.spoolEvents(12);
  p.uploader->kick();
  p.transport.answer(400, R"({"error":"expected a string","where":"/events/0/user"})");
  auto rows = p.spool->rejectedRows();
  REQUIRE(rows.ok());
  CHECK(rows.value().size() == 10);
  CHECK(!p.scheduler.pending());
  // Next: the remaining two and then the report.
  const auto next = p.pendingIds();
  REQUIRE(next.size() == 3);
  CHECK(next[0] == ids[10]);
  auto batch = common::parseEventBatch(p.transport.front().body);
  REQUIRE(batch.ok());
  CHECK(batch.value()[2].type == "report.batch_rejected");
  CHECK(batch.value()[2].details->getValue<int>("http.response.status_code") == 400);
}

TEST_CASE("uploader: 401 keeps the events and enrolls again when a secret is known") {
  Pipeline p(kNodeKey);
  p.spoolEvents(4);
  p.uploader->kick();
  p.transport.answer(401, R"({"error":"unknown node key","where":""})");
  CHECK(p.spool->eventCount() == 4);
  CHECK(p.scheduler.pending());
  p.scheduler.fireNow();
  REQUIRE(p.transport.hasPending());
  CHECK(p.transport.front().path == "/api/v1/enroll");
  const std::string newKey(64, 'b');
  p.transport.answer(200, std::string(R"({"agent_id":")") + kAgentId + R"(","node_key":")" + newKey + "\"}");
  REQUIRE(p.transport.hasPending());
  CHECK(header(p.transport.front(), "Authorization") == "Bearer " + newKey);
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
}

TEST_CASE("uploader: 401 without a secret waits at the cap and keeps the events") {
  Pipeline p(kNodeKey, false);
  p.spoolEvents(4);
  p.uploader->kick();
  p.transport.answer(401);
  CHECK(p.scheduler.lastDelayMs() == 1000);
  CHECK(p.spool->eventCount() == 4);
  p.scheduler.fireNow();
  CHECK(p.transport.front().path == "/api/v1/events");
}

TEST_CASE("uploader: 413 halves the batch; one event too large is final") {
  Pipeline p(kNodeKey, true, 8);
  p.spoolEvents(8);
  p.uploader->kick();
  CHECK(p.pendingIds().size() == 8);
  p.transport.answer(413);
  CHECK(p.pendingIds().size() == 4);
  p.transport.answer(413);
  CHECK(p.pendingIds().size() == 2);
  p.transport.answer(413);
  CHECK(p.pendingIds().size() == 1);
  p.transport.answer(413);  // a single event: set aside
  auto count = p.spool->rejectedCount();
  REQUIRE(count.ok());
  CHECK(count.value() == 1);
  CHECK(p.pendingIds().size() == 1);
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 7);  // 6 left + the rejection report
}

TEST_CASE("uploader: a clean stop finishes the batch in flight, then stops") {
  Pipeline p(kNodeKey);
  p.spoolEvents(25);
  p.uploader->kick();
  bool done = false;
  p.uploader->finish(5000, [&] { done = true; });
  CHECK(!done);
  p.transport.answer(200);  // still draining while the collector accepts
  CHECK(!done);
  p.transport.answer(503);  // a failure ends it
  CHECK(done);
  CHECK(p.spool->eventCount() == 15);
  CHECK(p.uploader->state() == Uploader::State::Stopped);
}

TEST_CASE("uploader: a clean stop gives up on a batch that takes too long") {
  Pipeline p(kNodeKey);
  p.spoolEvents(3);
  p.uploader->kick();
  bool done = false;
  p.uploader->finish(50, [&] { done = true; });
  CHECK(test::waitFor([&] { return done; }));
  p.transport.answer(200);  // too late: ignored, the events stay and go again next start
  CHECK(p.spool->eventCount() == 3);
}

}  // namespace
}  // namespace mamori::agent

namespace mamori::agent {
namespace {

TEST_CASE("uploader: 503 and 429 with Retry-After wait at least that long, on top of the backoff") {
  Pipeline p(kNodeKey);
  p.spoolEvents(3);
  p.uploader->kick();
  p.transport.answer(503, R"({"error":"busy"})", "5");
  // The backoff alone would say 100 ms; the collector asked for 5 s (stretched by up to a tenth).
  CHECK(p.scheduler.lastDelayMs() >= 5000);
  CHECK(p.scheduler.lastDelayMs() <= 5500);
  CHECK(p.spool->eventCount() == 3);
  p.scheduler.fireNow();
  p.transport.answer(429, "{}", "1");
  CHECK(p.scheduler.lastDelayMs() >= 1000);
  CHECK(p.scheduler.lastDelayMs() <= 1100);
  // An HTTP-date in the past and a header that is neither form leave the backoff alone (400, 800).
  p.scheduler.fireNow();
  p.transport.answer(503, "{}", "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(p.scheduler.lastDelayMs() == 400);
  p.scheduler.fireNow();
  p.transport.answer(503, "{}", "soon");
  CHECK(p.scheduler.lastDelayMs() == 800);
  // A Retry-After on another status is not ours to honour.
  p.scheduler.fireNow();
  p.transport.answer(500, "{}", "30");
  CHECK(p.scheduler.lastDelayMs() == 1000);
  // A huge one is capped at ten minutes (plus the spread).
  p.scheduler.fireNow();
  p.transport.answer(503, "{}", "86400");
  CHECK(p.scheduler.lastDelayMs() >= common::Backoff::kMaxRetryAfterMs);
  CHECK(p.scheduler.lastDelayMs() <= common::Backoff::kMaxRetryAfterMs * 11 / 10);
  p.scheduler.fireNow();
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
}

TEST_CASE("uploader: enrollment honours Retry-After; a refused enrollment waits a jittered cap") {
  Pipeline p("");
  p.spoolEvents(1);
  p.uploader->kick();
  REQUIRE(p.transport.front().path == "/api/v1/enroll");
  p.transport.answer(503, "{}", "7");
  CHECK(p.scheduler.lastDelayMs() >= 7000);
  p.scheduler.fireNow();
  REQUIRE(p.transport.front().path == "/api/v1/enroll");
  p.transport.answer(401, R"({"error":"wrong enroll secret"})");
  CHECK(p.scheduler.lastDelayMs() >= 500);  // between half the cap and the cap
  CHECK(p.scheduler.lastDelayMs() <= 1000);
}

TEST_CASE("uploader: the batch that empties the spool lets the connection go; earlier ones keep it") {
  Pipeline p(kNodeKey, true, 10);
  p.spoolEvents(25);
  p.uploader->kick();
  CHECK_FALSE(p.transport.front().closeAfter);
  p.transport.answer(200);
  CHECK_FALSE(p.transport.front().closeAfter);
  p.transport.answer(200);
  CHECK(p.transport.front().closeAfter);  // the last 5
  p.transport.answer(200);
  CHECK(p.spool->eventCount() == 0);
}

}  // namespace

TEST_CASE("enroll body: a host name that is not UTF-8 is sent as the events send it") {
  // A host name set with bytes that are not UTF-8 (and a NUL), as sethostname allows.
  const std::string host("pc-\xE6\x97\xA5\xFF\0x", 9);
  const std::string body = makeEnrollBody("s3cret", {kAgentId, host, "Debian GNU/Linux 12", "0.1.0", ""});
  auto parsed = common::parseJson(body, "enroll body");
  REQUIRE(parsed);
  const auto object = parsed.value().extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("host") == "pc-\xE6\x97\xA5\\xff\\x00x");  // 日 kept
  CHECK(object->getValue<std::string>("host") == common::storableText(host));    // the events' host
  CHECK(object->getValue<std::string>("os") == "Debian GNU/Linux 12");
}

}  // namespace mamori::agent
