// The collector's HTTPS API in-process: a real server on 127.0.0.1:0 with a generated certificate,
// spoken to through common/net/HttpsClient exactly as agents and mamorictl do.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "collector/server/CollectorServer.h"
#include "collector/server/ContentSetStatus.h"
#include "collector/store/EventStore.h"
#include "collector/tls/SelfSignedCert.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Gzip.h"
#include "common/SigningKey.h"
#include "common/Uuid7.h"
#include "common/net/HttpsClient.h"
#include "policy/DeviceException.h"
#include "policy/PolicyAcceptance.h"
#include "tests/collector/TempDir.h"

using namespace mamori;
using namespace mamori::collector;
using common::net::HttpResponse;
using common::net::HttpsClient;
using Poco::JSON::Object;

namespace {

constexpr char kEnrollSecret[] = "enroll-secret-for-tests";
constexpr char kAdminToken[] = "admin-token-for-tests";

// Function statics, not namespace-scope constants whose constructors could throw before main (cert-err58-cpp).
const common::net::Headers& jsonHeaders() {
  static const common::net::Headers headers = {{"Content-Type", "application/json"}};
  return headers;
}

struct TestCollector {
  explicit TestCollector(std::size_t maxBodyBytes = std::size_t{8} * 1024 * 1024) {
    bool created = false;
    REQUIRE(tls::ensureCertificate(dir.path() + "/tls", {"localhost", "127.0.0.1", "::1"}, created).ok());
    caFile = dir.path() + "/tls/collector.crt";
    auto opened = store::openEventStore("sqlite:" + dir.path() + "/collector.db");
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    api = std::make_unique<server::CollectorApi>(
        *store, metrics, clock,
        server::ApiConfig{common::sha256Hex(kEnrollSecret), common::sha256Hex(kAdminToken), maxBodyBytes, policyKey});
    server::ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.certFile = caFile;
    config.keyFile = dir.path() + "/tls/collector.key";
    config.threads = 4;
    auto started = server::CollectorServer::start(config, *api);
    REQUIRE(started.ok());
    server = std::move(started).value();
    REQUIRE(server->port() != 0);
  }

  std::unique_ptr<HttpsClient> client(const std::string& host = "127.0.0.1") const {
    auto made = HttpsClient::create({"https://" + host + ":" + std::to_string(server->port()), caFile, 10'000});
    REQUIRE(made.ok());
    return std::move(made).value();
  }

  test::TempDir dir;
  std::shared_ptr<const common::SigningKey> policyKey =
      std::make_shared<const common::SigningKey>(common::SigningKey::generate().value());
  std::string caFile;
  std::unique_ptr<store::EventStore> store;
  server::Metrics metrics;
  common::FakeClock clock{common::SystemClock().nowMs()};
  std::unique_ptr<server::CollectorApi> api;
  std::unique_ptr<server::CollectorServer> server;
};

HttpResponse send(HttpsClient& client, const std::string& method, const std::string& path, const std::string& body,
                  const common::net::Headers& headers) {
  auto response = client.request(method, path, body, headers);
  INFO(method, " ", path);
  REQUIRE(response.ok());
  return response.value();
}

Object::Ptr json(const HttpResponse& response) {
  auto parsed = common::parseJson(response.body, "response");
  INFO(response.body);
  REQUIRE(parsed.ok());
  REQUIRE(parsed.value().type() == typeid(Object::Ptr));
  return parsed.value().extract<Object::Ptr>();
}

std::string enrollBody(const std::string& secret, const std::string& agentId) {
  return R"({"enroll_secret":")" + secret + R"(","agent_id":")" + agentId +
         R"(","host":"pc-1","os":"Debian GNU/Linux 12","agent_version":"0.1.0"})";
}

// Enrolls agentId and returns its node key.
std::string enroll(HttpsClient& client, const std::string& agentId) {
  const auto response = send(client, "POST", "/api/v1/enroll", enrollBody(kEnrollSecret, agentId), jsonHeaders());
  REQUIRE(response.status == 200);
  auto key = json(response)->getValue<std::string>("node_key");
  CHECK(key.size() == 64);
  return key;
}

common::Event makeEvent(common::Uuid7Generator& ids, const std::string& agentId, std::int64_t timeMs,
                        const std::string& type = "device.blocked") {
  common::Event e;
  e.timeMs = timeMs;
  e.id = ids.next(timeMs);
  e.type = type;
  e.severity = common::Severity::High;
  e.agentId = agentId;
  e.host = "pc-1";
  e.user = "alice";
  e.details->set("usb.vendor_id", "0781");
  return e;
}

std::string batchBody(const std::vector<common::Event>& events) {
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (const auto& e : events) lines.push_back(common::eventToJson(e));
  return common::makeBatchBody(lines);
}

common::net::Headers agentHeaders(const std::string& nodeKey, bool gzip = false) {
  common::net::Headers headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + nodeKey}};
  if (gzip) headers.emplace_back("Content-Encoding", "gzip");
  return headers;
}

const common::net::Headers& adminHeaders() {
  static const common::net::Headers headers = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  return headers;
}

std::size_t storedCount(HttpsClient& client, const std::string& agentId) {
  const auto response = send(client, "GET", "/api/v1/events?limit=10000&agent=" + agentId, "", adminHeaders());
  REQUIRE(response.status == 200);
  return json(response)->getArray("events")->size();
}

// A collector with one agent enrolled, what most cases start from (doctest TEST_CASE_FIXTURE: the
// case's body sees these members by name).
struct EnrolledAgent {
  explicit EnrolledAgent(std::size_t maxBodyBytes = std::size_t{8} * 1024 * 1024)
      : collector(maxBodyBytes),
        client(collector.client()),
        now(collector.clock.nowMs()),
        agentId(ids.next(now)),
        key(enroll(*client, agentId)) {}

  // count events of the agent one millisecond apart from now, the first `killed` of type p2p.killed and
  // the others file.copied, uploaded in one batch.
  std::vector<common::Event> uploadEvents(int count, int killed) {
    std::vector<common::Event> events;
    events.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      events.push_back(makeEvent(ids, agentId, now + i, i < killed ? "p2p.killed" : "file.copied"));
    }
    REQUIRE(send(*client, "POST", "/api/v1/events", batchBody(events), agentHeaders(key)).status == 200);
    return events;
  }

  TestCollector collector;
  std::unique_ptr<HttpsClient> client;
  common::Uuid7Generator ids;
  std::int64_t now;
  std::string agentId;
  std::string key;
};

// The same with request bodies of at most 64 KiB.
struct EnrolledAgentSmallBodies : EnrolledAgent {
  EnrolledAgentSmallBodies() : EnrolledAgent(std::size_t{64} * 1024) {}
};

}  // namespace

TEST_CASE("the generated certificate is accepted for 127.0.0.1 and localhost, and only it") {
  TestCollector collector;
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto client = collector.client(host);
    const auto response = send(*client, "GET", "/healthz", "", {});
    CHECK(response.status == 200);
    CHECK(response.body == "ok\n");
  }
  // A client that pins a different certificate must refuse the connection.
  test::TempDir other;
  bool created = false;
  REQUIRE(tls::ensureCertificate(other.path(), {"localhost", "127.0.0.1"}, created).ok());
  auto stranger = HttpsClient::create(
      {"https://127.0.0.1:" + std::to_string(collector.server->port()), other.path() + "/collector.crt", 5000});
  REQUIRE(stranger.ok());
  CHECK_FALSE(stranger.value()->request("GET", "/healthz", "", {}).ok());
}

TEST_CASE("enrollment") {
  TestCollector collector;
  auto client = collector.client();
  common::Uuid7Generator ids;
  const std::string agentId = ids.next(collector.clock.nowMs());

  auto wrong = send(*client, "POST", "/api/v1/enroll", enrollBody("wrong", agentId), jsonHeaders());
  CHECK(wrong.status == 401);
  CHECK(json(wrong)->getValue<std::string>("where") == "/enroll_secret");

  auto malformed = send(*client, "POST", "/api/v1/enroll", "{\"enroll_secret\":", jsonHeaders());
  CHECK(malformed.status == 400);
  CHECK(json(malformed)->has("where"));

  auto badId = send(*client, "POST", "/api/v1/enroll", enrollBody(kEnrollSecret, "not-a-uuid"), jsonHeaders());
  CHECK(badId.status == 400);
  CHECK(json(badId)->getValue<std::string>("where") == "/agent_id");

  const std::string firstKey = enroll(*client, agentId);
  const std::string secondKey = enroll(*client, agentId);  // reinstall: the old key stops working
  CHECK(firstKey != secondKey);
  const std::string body = batchBody({makeEvent(ids, agentId, collector.clock.nowMs())});
  CHECK(send(*client, "POST", "/api/v1/events", body, agentHeaders(firstKey)).status == 401);
  CHECK(send(*client, "POST", "/api/v1/events", body, agentHeaders(secondKey)).status == 200);
}

TEST_CASE_FIXTURE(EnrolledAgentSmallBodies,
                  "event ingest: exactly once, gzip, and every refusal leaves nothing stored") {
  std::vector<common::Event> events;
  events.reserve(20);
  for (int i = 0; i < 20; ++i) events.push_back(makeEvent(ids, agentId, now + i));
  const std::string body = batchBody(events);
  auto first = send(*client, "POST", "/api/v1/events", body, agentHeaders(key));
  REQUIRE(first.status == 200);
  CHECK(json(first)->getValue<int>("accepted") == 20);
  CHECK(json(first)->getValue<int>("duplicates") == 0);
  auto again = send(*client, "POST", "/api/v1/events", body, agentHeaders(key));
  REQUIRE(again.status == 200);
  CHECK(json(again)->getValue<int>("accepted") == 0);
  CHECK(json(again)->getValue<int>("duplicates") == 20);

  const std::string zipped = common::gzipCompress(batchBody({makeEvent(ids, agentId, now + 100)}));
  auto gz = send(*client, "POST", "/api/v1/events", zipped, agentHeaders(key, true));
  REQUIRE(gz.status == 200);
  CHECK(json(gz)->getValue<int>("accepted") == 1);
  CHECK(storedCount(*client, agentId) == 21);

  SUBCASE("malformed JSON") {
    auto r = send(*client, "POST", "/api/v1/events", "{\"events\": [", agentHeaders(key));
    CHECK(r.status == 400);
    CHECK(json(r)->getValue<std::string>("where") == "body");
  }
  SUBCASE("one bad event refuses the whole batch, pointing at it") {
    std::vector<std::string> lines = {common::eventToJson(makeEvent(ids, agentId, now)),
                                      common::eventToJson(makeEvent(ids, agentId, now))};
    lines.push_back(R"({"id":"x","type":"device.blocked"})");
    auto r = send(*client, "POST", "/api/v1/events", common::makeBatchBody(lines), agentHeaders(key));
    CHECK(r.status == 400);
    CHECK(json(r)->getValue<std::string>("where").rfind("/events/2/", 0) == 0);
  }
  SUBCASE("wrong content type") {
    common::net::Headers headers = {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + key}};
    CHECK(send(*client, "POST", "/api/v1/events", batchBody({makeEvent(ids, agentId, now)}), headers).status == 415);
    common::net::Headers brotli = agentHeaders(key);
    brotli.emplace_back("Content-Encoding", "br");
    CHECK(send(*client, "POST", "/api/v1/events", batchBody({makeEvent(ids, agentId, now)}), brotli).status == 415);
  }
  SUBCASE("a body over the limit, raw or after inflation") {
    std::vector<common::Event> many;
    many.reserve(600);
    for (int i = 0; i < 600; ++i) many.push_back(makeEvent(ids, agentId, now));
    const std::string big = batchBody(many);
    REQUIRE(big.size() > 64 * 1024);
    CHECK(send(*client, "POST", "/api/v1/events", big, agentHeaders(key)).status == 413);
    const std::string bomb = common::gzipCompress(big, 9);
    REQUIRE(bomb.size() < 64 * 1024);
    auto client2 = collector.client();  // the first connection was closed after the 413
    CHECK(send(*client2, "POST", "/api/v1/events", bomb, agentHeaders(key, true)).status == 413);
  }
  SUBCASE("forged or missing node key") {
    const std::string one = batchBody({makeEvent(ids, agentId, now)});
    CHECK(send(*client, "POST", "/api/v1/events", one, agentHeaders(common::randomHex(32))).status == 401);
    CHECK(send(*client, "POST", "/api/v1/events", one, jsonHeaders()).status == 401);
  }
  SUBCASE("an event of another agent") {
    std::vector<common::Event> mixed = {makeEvent(ids, agentId, now), makeEvent(ids, ids.next(now), now)};
    auto r = send(*client, "POST", "/api/v1/events", batchBody(mixed), agentHeaders(key));
    CHECK(r.status == 422);
    CHECK(json(r)->getValue<std::string>("where") == "/events/1/agent_id");
  }
  auto after = collector.client();
  CHECK(storedCount(*after, agentId) == 21);  // nothing half-stored by any refused batch
}

TEST_CASE_FIXTURE(EnrolledAgent, "queries: filters and cursor paging") {
  const auto events = uploadEvents(25, 5);

  CHECK(send(*client, "GET", "/api/v1/events", "", {}).status == 401);
  CHECK(send(*client, "GET", "/api/v1/events", "", {{"Authorization", "Bearer nope"}}).status == 401);
  CHECK(send(*client, "GET", "/api/v1/events?limit=0", "", adminHeaders()).status == 400);
  CHECK(send(*client, "GET", "/api/v1/events?since=yesterday", "", adminHeaders()).status == 400);
  CHECK(send(*client, "GET", "/api/v1/events?color=red", "", adminHeaders()).status == 400);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    const auto r = send(*client, "GET", "/api/v1/events?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor), "",
                        adminHeaders());
    REQUIRE(r.status == 200);
    const auto page = json(r);
    const auto list = page->getArray("events");
    for (std::size_t i = 0; i < list->size(); ++i)
      seen.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    ++pages;
    if (page->get("next_cursor").isEmpty()) break;
    cursor = page->getValue<std::string>("next_cursor");
    REQUIRE(pages < 10);
  }
  CHECK(pages == 3);
  REQUIRE(seen.size() == 25);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == events[i].id);

  auto byType = json(send(*client, "GET", "/api/v1/events?type=p2p.killed", "", adminHeaders()));
  CHECK(byType->getArray("events")->size() == 5);
  auto first = byType->getArray("events")->getObject(0);
  CHECK(first->getValue<std::string>("severity") == "high");
  CHECK(first->getObject("details")->getValue<std::string>("usb.vendor_id") == "0781");
  const std::string since = common::formatUtcMs(now + 10);
  auto window = json(
      send(*client, "GET", "/api/v1/events?since=" + since + "&until=" + std::to_string(now + 15), "", adminHeaders()));
  CHECK(window->getArray("events")->size() == 5);
}

TEST_CASE_FIXTURE(EnrolledAgent,
                  "overview: counts by hour and type from the rollup, exact drill-down filters, clear 400s") {
  const auto events = uploadEvents(12, 5);

  const std::string range = "since=" + std::to_string(now - 3'600'000) + "&until=" + std::to_string(now + 3'600'000);
  const auto answer = send(*client, "GET", "/api/v1/overview?bucket=hour&" + range, "", adminHeaders());
  REQUIRE(answer.status == 200);
  const auto overview = json(answer);
  CHECK(overview->getValue<std::string>("bucket") == "hour");
  std::int64_t total = 0, killed = 0;
  const auto series = overview->getArray("series");
  for (std::size_t i = 0; i < series->size(); ++i) {
    const auto row = series->getObject(static_cast<unsigned>(i));
    total += row->getValue<std::int64_t>("count");
    if (row->getValue<std::string>("type") == "p2p.killed") killed += row->getValue<std::int64_t>("count");
  }
  CHECK(total == 12);
  CHECK(killed == 5);
  CHECK(overview->getObject("fleet")->getValue<std::int64_t>("agents") == 1);
  // What a p2p.killed segment links to: exactly its events.
  auto exact =
      json(send(*client, "GET", "/api/v1/events?type=p2p.killed&severity_is=high&" + range, "", adminHeaders()));
  CHECK(exact->getArray("events")->size() == 5);
  auto byHost = json(send(*client, "GET", "/api/v1/events?host=" + events[0].host + "&" + range, "", adminHeaders()));
  CHECK(byHost->getArray("events")->size() == 12);

  CHECK(send(*client, "GET", "/api/v1/overview", "", {}).status == 401);
  for (const char* bad : {"bucket=week", "tz_offset_min=30", "tz_offset_min=900", "top=0", "colour=red",
                          "since=yesterday", "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z",
                          "bucket=hour&since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z",
                          "since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z"}) {
    CAPTURE(bad);
    const auto refused = send(*client, "GET", std::string("/api/v1/overview?") + bad, "", adminHeaders());
    CHECK(refused.status == 400);
    CHECK_FALSE(json(refused)->getValue<std::string>("where").empty());
  }
}

TEST_CASE_FIXTURE(EnrolledAgent,
                  "agents, heartbeats and the silent flag; healthz; metrics; unknown paths and methods") {
  common::Event beat = makeEvent(ids, agentId, now, "agent.heartbeat");
  beat.details = new Object;
  beat.details->set("agent.heartbeat_interval_ms", 1000);
  beat.details->set("agent.spool.events", 12);
  beat.details->set("agent.version", "0.1.1");
  auto r = send(*client, "POST", "/api/v1/heartbeat", common::eventToJson(beat), agentHeaders(key));
  REQUIRE(r.status == 200);
  CHECK(r.body == "{}");
  common::Event notBeat = makeEvent(ids, agentId, now, "device.blocked");
  CHECK(send(*client, "POST", "/api/v1/heartbeat", common::eventToJson(notBeat), agentHeaders(key)).status == 400);

  auto agentsAnswer = [&] {
    const auto answer = json(send(*client, "GET", "/api/v1/agents", "", adminHeaders()));
    REQUIRE(answer->getArray("agents")->size() == 1);
    return answer->getArray("agents")->getObject(0);
  };
  auto agent = agentsAnswer();
  CHECK(agent->getValue<std::string>("agent_id") == agentId);
  CHECK(agent->getValue<bool>("silent") == false);
  CHECK(agent->getValue<int>("heartbeat_interval_ms") == 1000);
  CHECK(agent->getValue<int>("spool_events") == 12);
  CHECK(agent->getValue<std::string>("agent_version") == "0.1.1");
  CHECK(agent->getArray("content_sets")->size() == 0);  // none reported yet

  // The sets the agent holds (content.sets): kept as the collector writes them; an unknown kind, a
  // name that is no set name and a non-object are left out, a long reason is cut.
  Poco::JSON::Array::Ptr sets = new Poco::JSON::Array;
  Object::Ptr good = new Object;
  good->set("kind", "edm");
  good->set("name", "customers");
  good->set("version", 3);
  good->set("entries", 120);
  good->set("bytes", 4096);
  good->set("refused_version", 4);
  good->set("error", "signature: " + std::string(2000, 'x'));
  sets->add(good);
  Object::Ptr odd = new Object;
  odd->set("kind", "yara");
  odd->set("name", "rules");
  sets->add(odd);
  Object::Ptr badName = new Object;
  badName->set("kind", "fingerprints");
  badName->set("name", "../etc");
  sets->add(badName);
  sets->add(7);
  Object::Ptr plain = new Object;
  plain->set("kind", "fingerprints");
  plain->set("name", "plans");
  plain->set("version", -2);
  sets->add(plain);
  beat.details->set("content.sets", sets);
  REQUIRE(send(*client, "POST", "/api/v1/heartbeat", common::eventToJson(beat), agentHeaders(key)).status == 200);
  const auto reported = agentsAnswer()->getArray("content_sets");
  REQUIRE(reported->size() == 2);
  const auto first = reported->getObject(0);
  CHECK(first->getValue<std::string>("kind") == "edm");
  CHECK(first->getValue<std::string>("name") == "customers");
  CHECK(first->getValue<int>("version") == 3);
  CHECK(first->getValue<int>("entries") == 120);
  CHECK(first->getValue<int>("bytes") == 4096);
  CHECK(first->getValue<int>("refused_version") == 4);
  CHECK(first->getValue<std::string>("error").rfind("signature: xxx", 0) == 0);
  CHECK(first->getValue<std::string>("error").size() == server::kMaxSetErrorBytes);
  CHECK(reported->getObject(1)->getValue<int>("version") == 0);
  CHECK(reported->getObject(1)->getValue<std::string>("error").empty());
  // A heartbeat without content.sets (an older agent) keeps the list.
  beat.details->remove("content.sets");
  REQUIRE(send(*client, "POST", "/api/v1/heartbeat", common::eventToJson(beat), agentHeaders(key)).status == 200);
  CHECK(agentsAnswer()->getArray("content_sets")->size() == 2);
  collector.clock.advance(3001);
  CHECK(agentsAnswer()->getValue<bool>("silent") == true);
  CHECK(send(*client, "GET", "/api/v1/agents", "", {}).status == 401);

  CHECK(send(*client, "GET", "/healthz", "", {}).status == 200);
  CHECK(send(*client, "GET", "/nowhere", "", {}).status == 404);
  CHECK(send(*client, "PUT", "/api/v1/agents", "", {}).status == 405);
  CHECK(send(*client, "GET", "/api/v1/enroll", "", {}).status == 405);

  const std::string body = batchBody({makeEvent(ids, agentId, now), makeEvent(ids, agentId, now)});
  REQUIRE(send(*client, "POST", "/api/v1/events", body, agentHeaders(key)).status == 200);
  REQUIRE(send(*client, "POST", "/api/v1/events", body, agentHeaders(key)).status == 200);
  REQUIRE(send(*client, "POST", "/api/v1/events", "[", agentHeaders(key)).status == 400);
  const auto metrics = send(*client, "GET", "/metrics", "", {});
  REQUIRE(metrics.status == 200);
  const std::string& text = metrics.body;
  INFO(text);
  CHECK(text.find("mamori_events_stored_total 2\n") != std::string::npos);
  CHECK(text.find("mamori_events_duplicate_total 2\n") != std::string::npos);
  CHECK(text.find("mamori_batches_rejected_total{reason=\"malformed\"} 1\n") != std::string::npos);
  CHECK(text.find("mamori_http_requests_total{endpoint=\"events\",status=\"200\"} 2\n") != std::string::npos);
  CHECK(text.find("mamori_agents_enrolled 1\n") != std::string::npos);
  CHECK(text.find("mamori_agents_silent 0\n") != std::string::npos);  // the events just now count as heard from
  CHECK(text.find("mamori_storage_errors_total 0\n") != std::string::npos);
}

TEST_CASE("policy distribution: enrollment pins the key, push validates and signs, agents fetch their group's") {
  TestCollector collector;
  auto client = collector.client();
  common::Uuid7Generator ids;
  const std::int64_t now = collector.clock.nowMs();
  const std::string agentId = ids.next(now);

  // Enrollment with a group answers the group and the policy public key.
  const std::string body = std::string(R"({"enroll_secret":")") + kEnrollSecret + R"(","agent_id":")" + agentId +
                           R"(","host":"pc-1","group":"office"})";
  const auto enrolled = json(send(*client, "POST", "/api/v1/enroll", body, jsonHeaders()));
  CHECK(enrolled->getValue<std::string>("group") == "office");
  CHECK(enrolled->getValue<std::string>("policy_key_id") == collector.policyKey->keyId());
  auto pinned = common::PublicKey::fromPem(enrolled->getValue<std::string>("policy_public_key"));
  REQUIRE(pinned.ok());
  const std::string key = enrolled->getValue<std::string>("node_key");
  const auto bad = std::string(R"({"enroll_secret":")") + kEnrollSecret + R"(","agent_id":")" + ids.next(now) +
                   R"(","host":"pc-1","group":""})";
  CHECK(send(*client, "POST", "/api/v1/enroll", bad, jsonHeaders()).status == 400);

  // No policy for the group yet: 404 naming the group (the agent keeps the built-in policy).
  auto none = send(*client, "GET", "/api/v1/policy", "", agentHeaders(key));
  CHECK(none.status == 404);
  CHECK(json(none)->getValue<std::string>("group") == "office");
  CHECK(send(*client, "GET", "/api/v1/policy", "", {}).status == 401);

  auto admin = adminHeaders();
  admin.emplace_back("Content-Type", "application/json");
  // Every validation error, each with its pointer; nothing stored.
  auto invalid = send(*client, "POST", "/api/v1/policies?group=office",
                      R"({"schema_version":1,"version":0,"name":"x","grup":"office"})", admin);
  REQUIRE(invalid.status == 400);
  const auto errors = json(invalid)->getArray("errors");
  REQUIRE(errors->size() >= 2);
  std::string pointers;
  for (std::size_t i = 0; i < errors->size(); ++i) {
    pointers += errors->getObject(static_cast<unsigned>(i))->getValue<std::string>("where") + " ";
  }
  CHECK(pointers.find("/version ") != std::string::npos);
  CHECK(pointers.find("/grup ") != std::string::npos);
  // A policy for another group than the one pushed to.
  CHECK(send(*client, "POST", "/api/v1/policies?group=lab",
             R"({"schema_version":1,"version":2,"name":"x","group":"office"})", admin)
            .status == 400);
  CHECK(send(*client, "POST", "/api/v1/policies", R"({"schema_version":1,"version":2,"name":"x","group":"office"})",
             admin)
            .status == 400);
  CHECK(send(*client, "POST", "/api/v1/policies?group=office", "{}", jsonHeaders()).status == 401);

  const std::string v3 = R"({"schema_version":1,"version":3,"name":"office","group":"office"})";
  auto pushed = send(*client, "POST", "/api/v1/policies?group=office", v3, admin);
  REQUIRE(pushed.status == 200);
  CHECK(json(pushed)->getValue<int>("version") == 3);
  CHECK(json(pushed)->getValue<std::string>("sha256") == common::sha256Hex(v3));
  // Not greater than the current version: 409 (the identical document too).
  CHECK(send(*client, "POST", "/api/v1/policies?group=office", v3, admin).status == 409);
  for (const char* version : {"3", "2"}) {
    const std::string older =
        std::string(R"({"schema_version":1,"version":)") + version + R"(,"name":"old","group":"office"})";
    CHECK(send(*client, "POST", "/api/v1/policies?group=office", older, admin).status == 409);
  }

  // The agent gets the envelope, and it passes the agent's own gate with the pinned key.
  auto served = send(*client, "GET", "/api/v1/policy", "", agentHeaders(key));
  REQUIRE(served.status == 200);
  const auto answer = json(served);
  CHECK(answer->getValue<std::string>("group") == "office");
  std::ostringstream envelope;
  Poco::JSON::Stringifier::condense(answer->get("envelope"), envelope);
  auto verdict = policy::acceptSignedPolicy(envelope.str(), pinned.value(), 0, "office");
  REQUIRE(std::holds_alternative<policy::AcceptedPolicy>(verdict));
  CHECK(std::get<policy::AcceptedPolicy>(verdict).document == v3);

  // The admin's views.
  const auto list = json(send(*client, "GET", "/api/v1/policies", "", adminHeaders()));
  REQUIRE(list->getArray("policies")->size() == 1);
  CHECK(list->getArray("policies")->getObject(0)->getValue<std::string>("group") == "office");
  const auto shown = json(send(*client, "GET", "/api/v1/policies?group=office", "", adminHeaders()));
  CHECK(shown->getValue<std::string>("document") == v3);
  CHECK(send(*client, "GET", "/api/v1/policies?group=lab", "", adminHeaders()).status == 404);

  // Moving the agent: it is then served the new group's policy (none yet).
  const std::string path = "/api/v1/agents/" + agentId + "/group";
  CHECK(send(*client, "PUT", path, R"({"group":"lab"})", jsonHeaders()).status == 401);
  CHECK(send(*client, "PUT", path, R"({"group":""})", admin).status == 400);
  CHECK(send(*client, "PUT", path, R"({"group":"lab","x":1})", admin).status == 400);
  CHECK(send(*client, "PUT", "/api/v1/agents/" + ids.next(now) + "/group", R"({"group":"lab"})", admin).status == 404);
  CHECK(send(*client, "GET", path, "", adminHeaders()).status == 405);
  REQUIRE(send(*client, "PUT", path, R"({"group":"lab"})", admin).status == 200);
  auto moved = send(*client, "GET", "/api/v1/policy", "", agentHeaders(key));
  CHECK(moved.status == 404);
  CHECK(json(moved)->getValue<std::string>("group") == "lab");

  // The heartbeat's policy.* details show in the agents list.
  common::Event beat = makeEvent(ids, agentId, now, "agent.heartbeat");
  beat.details = new Object;
  beat.details->set("policy.version", 3);
  beat.details->set("policy.sha256", common::sha256Hex(v3));
  beat.details->set("policy.source", "collector");
  beat.details->set("policy.applied_at", common::formatUtcMs(now));
  beat.details->set("policy.error", "rollback: version 2");
  REQUIRE(send(*client, "POST", "/api/v1/heartbeat", common::eventToJson(beat), agentHeaders(key)).status == 200);
  const auto agent = json(send(*client, "GET", "/api/v1/agents", "", adminHeaders()))->getArray("agents")->getObject(0);
  CHECK(agent->getValue<std::string>("group") == "lab");
  const auto status = agent->getObject("policy");
  CHECK(status->getValue<int>("version") == 3);
  CHECK(status->getValue<std::string>("sha256") == common::sha256Hex(v3));
  CHECK(status->getValue<std::string>("source") == "collector");
  CHECK(status->getValue<std::string>("applied_at") == common::formatUtcMs(now));
  CHECK(status->getValue<std::string>("error") == "rollback: version 2");
}

TEST_CASE_FIXTURE(
    EnrolledAgent,
    "exception requests: the agent asks, bounds hold, an administrator answers once, the poll carries it") {
  const std::string mine = common::sha256Hex(agentId).substr(0, 8);
  auto requestBody = [&](const std::string& challenge, const std::string& reason, int minutes = 60) {
    Object body;
    body.set("host", "pc-1");
    body.set("user", "yamada");
    body.set("device_id", "1-2");
    body.set("device_name", "SanDisk Cruzer (0781:5567)");
    body.set("challenge", challenge);
    body.set("reason", reason);
    body.set("minutes", minutes);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
  };
  const std::string challenge = mine + "-07815567-00000001";
  // Refusals name the field.
  // The element, not a structured binding, goes to CAPTURE (a lambda): clang before 16 cannot capture a binding.
  for (const auto& refusal : std::vector<std::tuple<std::string, int, std::string>>{
           {requestBody(challenge, ""), 400, "/reason"},
           {requestBody(challenge, std::string(1001, 'x')), 400, "/reason"},
           {requestBody(challenge, "ok", 0), 400, "/minutes"},
           {requestBody("nope", "ok"), 400, "/challenge"},
           {requestBody("0badc0de-07815567-00000001", "ok"), 422, "/challenge"},
           {R"({"reason":"x","extra":1})", 400, "/extra"},
       }) {
    const auto& [bodyText, status, where] = refusal;
    auto answer = send(*client, "POST", "/api/v1/exception-requests", bodyText, agentHeaders(key));
    CAPTURE(std::get<0>(refusal));
    CHECK(answer.status == status);
    CHECK(json(answer)->getValue<std::string>("where") == where);
  }
  CHECK(send(*client, "POST", "/api/v1/exception-requests", requestBody(challenge, "x"), jsonHeaders()).status == 401);

  const std::string reason = "取引先へ納品データを渡すため \u202e";
  auto created = send(*client, "POST", "/api/v1/exception-requests", requestBody(challenge, reason), agentHeaders(key));
  REQUIRE(created.status == 201);
  const std::string id = json(created)->getValue<std::string>("id");
  // Sent again (a retry): the same request.
  auto resent = send(*client, "POST", "/api/v1/exception-requests", requestBody(challenge, reason), agentHeaders(key));
  CHECK(resent.status == 200);
  CHECK(json(resent)->getValue<std::string>("id") == id);
  std::vector<std::string> others;
  for (int n = 2; n <= 5; ++n) {
    auto more = send(*client, "POST", "/api/v1/exception-requests",
                     requestBody(mine + "-07815567-0000000" + std::to_string(n), "more"), agentHeaders(key));
    REQUIRE(more.status == 201);
    others.push_back(json(more)->getValue<std::string>("id"));
  }
  auto tooMany = send(*client, "POST", "/api/v1/exception-requests", requestBody(mine + "-07815567-00000009", "x"),
                      agentHeaders(key));
  CHECK(tooMany.status == 429);

  auto listed = json(send(*client, "GET", "/api/v1/exception-requests", "", adminHeaders()));
  auto requests = listed->getArray("requests");
  REQUIRE(requests->size() == 5);
  auto newest = requests->getObject(4);
  CHECK(newest->getValue<std::string>("id") == id);
  CHECK(newest->getValue<std::string>("reason") == reason);
  CHECK(newest->getValue<std::string>("state") == "pending");
  CHECK(newest->getValue<std::string>("user") == "yamada");

  auto admin = adminHeaders();
  admin.emplace_back("Content-Type", "application/json");
  const std::string approvePath = "/api/v1/exception-requests/" + id + "/approve";
  CHECK(send(*client, "POST", approvePath, R"({"minutes":0})", admin).status == 400);
  CHECK(send(*client, "POST", approvePath, R"({"minutes":10081})", admin).status == 400);
  CHECK(send(*client, "POST", "/api/v1/exception-requests/" + ids.next(collector.clock.nowMs()) + "/approve",
             R"({"minutes":30})", admin)
            .status == 404);
  CHECK(send(*client, "POST", approvePath, R"({"minutes":30})", jsonHeaders()).status == 401);
  auto approved = send(*client, "POST", approvePath, R"({"minutes":30,"note":"ok for today"})", admin);
  REQUIRE(approved.status == 200);
  CHECK(json(approved)->getValue<std::string>("state") == "approved");
  CHECK(json(approved)->getValue<std::string>("decided_by") == "admin token");
  // Answered once: a second answer is a conflict, whichever it is.
  CHECK(send(*client, "POST", approvePath, R"({"minutes":30})", admin).status == 409);
  CHECK(send(*client, "POST", "/api/v1/exception-requests/" + id + "/refuse", R"({"note":"no"})", admin).status == 409);
  const std::string refusePath = "/api/v1/exception-requests/" + others[0] + "/refuse";
  CHECK(send(*client, "POST", refusePath, R"({})", admin).status == 400);  // a refusal says why
  CHECK(send(*client, "POST", refusePath, R"({"note":"use the shared drive"})", admin).status == 200);

  // The agent's poll carries both answers; the approval is a response code the pinned key verifies.
  auto polled = json(send(*client, "GET", "/api/v1/policy", "", agentHeaders(key)));
  auto answers = polled->getArray("exception_answers");
  REQUIRE(answers->size() == 2);
  auto refused = answers->getObject(0);
  CHECK(refused->getValue<std::string>("state") == "refused");
  CHECK(refused->getValue<std::string>("note") == "use the shared drive");
  auto granted = answers->getObject(1);
  CHECK(granted->getValue<std::string>("id") == id);
  CHECK(granted->getValue<std::string>("state") == "approved");
  auto grant = policy::verifyExceptionResponse(collector.policyKey->publicKey(),
                                               granted->getValue<std::string>("response"), challenge);
  REQUIRE(grant.ok());
  CHECK(grant.value().minutes == 30);

  // A day later the pending ones are expired: they cannot be answered, and no longer count.
  collector.clock.advance(86'400'000 + 1000);
  auto expired =
      send(*client, "POST", "/api/v1/exception-requests/" + others[1] + "/approve", R"({"minutes":5})", admin);
  CHECK(expired.status == 409);
  listed = json(send(*client, "GET", "/api/v1/exception-requests?limit=1", "", adminHeaders()));
  CHECK(listed->getArray("requests")->getObject(0)->getValue<std::string>("state") == "expired");
  CHECK(send(*client, "POST", "/api/v1/exception-requests", requestBody(mine + "-07815567-00000009", "x"),
             agentHeaders(key))
            .status == 201);
  CHECK(json(send(*client, "GET", "/api/v1/policy", "", agentHeaders(key)))->getArray("exception_answers")->size() ==
        0);
}
