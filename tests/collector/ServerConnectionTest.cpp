// The connection layer (collector/server/CollectorServer) over real TLS on 127.0.0.1:0, with a test
// handler instead of CollectorApi so a worker can be held on purpose. Deadlines are short and set
// by each test; every wait is a poll with a deadline.

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collector/app/CollectorOptions.h"
#include "collector/server/CollectorServer.h"
#include "collector/tls/SelfSignedCert.h"
#include "tests/collector/RawTlsClient.h"
#include "tests/collector/TempDir.h"

using namespace mamori;
using namespace mamori::collector;
using namespace std::chrono_literals;
using collector::test::RawTlsClient;

namespace {

constexpr std::size_t kMaxBody = std::size_t{64} * 1024;

// Holds requests to /block until released; counts how many entered.
struct Gate {
  void enter() {
    std::unique_lock lock(mutex);
    ++entered;
    changed.notify_all();
    changed.wait(lock, [this] { return open; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
  bool waitEntered(int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return entered >= count; });
  }
  std::mutex mutex;
  std::condition_variable changed;
  int entered = 0;
  bool open = false;
};

server::ApiResponse testHandler(const server::ApiRequest& request, Gate& gate) {
  server::ApiResponse response;
  response.endpoint = request.path == "/block" ? "block" : "echo";
  if (request.path == "/block") gate.enter();
  if (request.path == "/address") {
    response.body = request.clientAddress;
    return response;
  }
  if (request.method == "POST") {
    auto body = request.readBody(kMaxBody);
    if (body.tooLarge) return server::jsonError(413, "too large", "body");
    response.body = "got " + std::to_string(body.data.size()) + " bytes";
    return response;
  }
  response.body = "hello";
  return response;
}

server::ServerLimits shortLimits() {
  server::ServerLimits limits;
  limits.handshakeTimeout = 5s;
  limits.idleTimeout = 5s;
  limits.headerTimeout = 5s;
  limits.bodyTimeout = 5s;
  limits.ioThreads = 1;
  return limits;
}

struct TestServer {
  explicit TestServer(server::ServerLimits limits = shortLimits(), int threads = 2,
                      const std::vector<std::string>& balancers = {}) {
    bool created = false;
    REQUIRE(tls::ensureCertificate(dir.path() + "/tls", {"127.0.0.1"}, created).ok());
    server::ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.certFile = dir.path() + "/tls/collector.crt";
    config.keyFile = dir.path() + "/tls/collector.key";
    config.threads = threads;
    config.limits = limits;
    for (const auto& balancer : balancers) REQUIRE(config.proxySources.add(balancer).ok());
    server::ServerHandler handler;
    handler.handle = [this](const server::ApiRequest& request) { return testHandler(request, gate); };
    handler.metrics = &metrics;
    handler.maxBodyBytes = kMaxBody;
    handler.retryAfter = {3, 7};
    auto started = server::CollectorServer::start(config, std::move(handler));
    REQUIRE(started.ok());
    server = std::move(started).value();
  }
  ~TestServer() {
    gate.release();
    server->stop();
  }

  std::unique_ptr<RawTlsClient> connect(bool handshake = true, const char* source = "127.0.0.1") const {
    auto client = std::make_unique<RawTlsClient>(server->port(), source);
    REQUIRE(client->fd() >= 0);
    if (handshake) REQUIRE(client->handshake());
    return client;
  }

  // Waits until the closed-connection counter for reason reaches count.
  bool closed(const std::string& reason, std::uint64_t count = 1, std::chrono::milliseconds timeout = 10s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (metrics.connectionsClosed(reason) >= count) return true;
      std::this_thread::sleep_for(10ms);  // polling interval of a deadline wait
    }
    return false;
  }

  std::int64_t handshakesStarted() const { return metrics.handshakesInProgress(); }

  mamori::collector::test::TempDir dir;
  server::Metrics metrics;
  Gate gate;
  std::unique_ptr<server::CollectorServer> server;
};

constexpr char kGet[] = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
// The first bytes of a TLS record header (handshake, TLS 1.0 record version): a hello begun, never ended.
constexpr char kHelloStart[] = "\x16\x03\x01";

// Waits until the server has started count handshakes (their slots taken).
void waitForHandshakesInProgress(const TestServer& s, std::int64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (s.handshakesStarted() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polling interval of a deadline wait
  }
  REQUIRE(s.handshakesStarted() >= count);
}

}  // namespace

TEST_CASE("a request is answered and the connection is reused (keep-alive)") {
  TestServer s;
  auto client = s.connect();
  for (int i = 0; i < 3; ++i) {
    REQUIRE(client->send(kGet));
    const auto answer = client->readAnswer();
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->body == "hello");
  }
  REQUIRE(client->send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"));
  const auto posted = client->readAnswer();
  REQUIRE(posted);
  CHECK(posted->body == "got 5 bytes");
  // The duration is recorded once the answer is written, which may be just after the client read it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.metrics.latencyCount("echo") < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polling interval of a deadline wait
  }
  CHECK(s.metrics.latencyCount("echo") == 4);
  CHECK(s.metrics.requests("echo", 200) == 0);  // the handler counts requests; the layer only its own answers
  const std::string text = s.metrics.render(std::nullopt, std::nullopt);
  CHECK(text.find("mamori_connections_accepted_total 1\n") != std::string::npos);
  CHECK(text.find("mamori_connections_open 1\n") != std::string::npos);
  CHECK(text.find("mamori_request_duration_seconds_count{endpoint=\"echo\"} 4\n") != std::string::npos);
}

TEST_CASE("Expect: 100-continue is answered before the body is sent") {
  TestServer s;
  auto client = s.connect();
  REQUIRE(client->send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  const auto interim = client->readAnswer();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(client->send("wxyz"));
  const auto answer = client->readAnswer();
  REQUIRE(answer);
  CHECK(answer->body == "got 4 bytes");
}

TEST_CASE("a Content-Length over the body limit is refused with 413 without reading the body") {
  TestServer s;
  auto client = s.connect();
  // Only the header is sent: the answer must not wait for the 100 MB.
  REQUIRE(client->send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"));
  const auto answer = client->readAnswer(5s);
  REQUIRE(answer);
  CHECK(answer->status == 413);
  CHECK(answer->header("Connection") == "close");
  CHECK(client->closedWithin(5s));
  // A chunked body that grows past the limit is cut off the same way.
  auto chunked = s.connect();
  const std::string chunk(std::size_t{32} * 1024, 'a');
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "8000\r\n" + chunk + "\r\n";
  REQUIRE(chunked->send(request));
  const auto cut = chunked->readAnswer(5s);
  REQUIRE(cut);
  CHECK(cut->status == 413);
}

TEST_CASE("oversized headers and too many header fields are refused and the connection closed") {
  server::ServerLimits limits = shortLimits();
  limits.maxHeaderBytes = 4096;
  limits.maxHeaderFields = 20;
  TestServer s(limits);
  auto big = s.connect();
  REQUIRE(big->send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'b') + "\r\n\r\n"));
  const auto refused = big->readAnswer();
  REQUIRE(refused);
  CHECK(refused->status == 431);
  CHECK(big->closedWithin(5s));

  auto many = s.connect();
  std::string request = "GET /echo HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 30; ++i) request += "X-F" + std::to_string(i) + ": v\r\n";
  REQUIRE(many->send(request + "\r\n"));
  const auto tooMany = many->readAnswer();
  REQUIRE(tooMany);
  CHECK(tooMany->status == 431);
  CHECK(many->closedWithin(5s));

  auto garbage = s.connect();
  REQUIRE(garbage->send("NOT HTTP AT ALL\r\n\r\n"));
  const auto bad = garbage->readAnswer();
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(s.closed("header_too_large", 2));
  CHECK(s.closed("bad_request", 1));
}

TEST_CASE("a slowloris header is cut off at the header deadline, an idle connection at the idle timeout") {
  server::ServerLimits limits = shortLimits();
  limits.headerTimeout = 400ms;
  limits.idleTimeout = 400ms;
  limits.handshakeTimeout = 400ms;
  TestServer s(limits);

  // One header line every 50 ms: each byte is timely, the whole header never is.
  auto slow = s.connect();
  REQUIRE(slow->send("GET /echo HTTP/1.1\r\n"));
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    closed = !slow->send("X-Slow: " + std::to_string(i) + "\r\n") || slow->closedWithin(50ms);
  }
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(s.closed("header_deadline"));

  auto idle = s.connect();
  CHECK(idle->closedWithin(5s));
  CHECK(s.closed("idle"));

  auto silent = s.connect(false);  // TCP only, never a TLS hello
  CHECK(silent->closedWithin(5s));
  CHECK(s.closed("handshake_deadline"));

  // A connection that keeps asking stays; after its last answer the idle timeout applies again.
  auto busy = s.connect();
  for (int i = 0; i < 3; ++i) {
    REQUIRE(busy->send(kGet));
    REQUIRE(busy->readAnswer());
  }
  CHECK(busy->closedWithin(5s));
  CHECK(s.closed("idle", 2));
}

TEST_CASE("at the connection limit the oldest idle connection is closed for a new one") {
  server::ServerLimits limits = shortLimits();
  limits.maxConnections = 3;
  TestServer s(limits);
  std::vector<std::unique_ptr<RawTlsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(s.connect());
    REQUIRE(clients.back()->send(kGet));
    REQUIRE(clients.back()->readAnswer());
  }
  // The first one has been idle the longest: it goes, the newcomer is served.
  auto newcomer = s.connect();
  REQUIRE(newcomer->send(kGet));
  const auto answer = newcomer->readAnswer();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(clients[0]->closedWithin(5s));
  CHECK(s.closed("evicted_oldest_idle"));
  for (int i = 1; i < 3; ++i) {
    REQUIRE(clients[i]->send(kGet));
    const auto still = clients[i]->readAnswer();
    REQUIRE(still);
    CHECK(still->status == 200);
  }
}

TEST_CASE("without an idle connection to close, a connection over the limit is refused") {
  server::ServerLimits limits = shortLimits();
  limits.maxConnections = 2;
  TestServer s(limits);
  auto a = s.connect(false);  // in the handshake: not idle, not evictable
  auto b = s.connect(false);
  REQUIRE(s.connect(false)->closedWithin(5s));
  CHECK(s.closed("limit"));
  CHECK(a->handshake());
}

TEST_CASE("the per-address cap refuses a client's connections beyond it") {
  server::ServerLimits limits = shortLimits();
  limits.maxConnectionsPerAddress = 2;
  TestServer s(limits);
  auto a = s.connect();
  auto b = s.connect();
  auto c = s.connect(false);
  CHECK(c->closedWithin(5s));
  CHECK(s.closed("per_address_cap"));
  REQUIRE(a->send(kGet));
  REQUIRE(a->readAnswer());
  b.reset();  // one gone: room again
  REQUIRE(s.closed("client_closed"));
  auto d = s.connect();
  REQUIRE(d->send(kGet));
  CHECK(d->readAnswer());
}

TEST_CASE("connections that never say hello take no handshake slot") {
  server::ServerLimits limits = shortLimits();
  limits.handshakesPerAddress = 1;
  TestServer s(limits);
  std::vector<std::unique_ptr<RawTlsClient>> silent;
  silent.reserve(5);
  for (int i = 0; i < 5; ++i) silent.push_back(s.connect(false));
  auto client = s.connect();  // its handshake starts at once
  REQUIRE(client->send(kGet));
  REQUIRE(client->readAnswer());
  CHECK(s.metrics.handshakesWaiting() == 0);
}

TEST_CASE("one address's burst of handshakes waits for its own slots; another address is served at once") {
  server::ServerLimits limits = shortLimits();
  limits.handshakesPerAddress = 2;
  TestServer s(limits);
  // Two connections that start a hello and stall hold 127.0.0.1's two slots.
  auto stall1 = s.connect(false);
  auto stall2 = s.connect(false);
  REQUIRE(stall1->send(kHelloStart));
  REQUIRE(stall2->send(kHelloStart));
  waitForHandshakesInProgress(s, 2);
  // A third from 127.0.0.1 says hello (its handshake is driven on a thread of its own).
  auto waiting = s.connect(false);
  auto handshake = std::async(std::launch::async, [&waiting] { return waiting->handshake(8s); });
  // Another client host is not behind them.
  auto other = s.connect(true, "127.0.0.2");
  REQUIRE(other->send(kGet));
  const auto answer = other->readAnswer();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  // 127.0.0.1's third connection waits for a slot of its own address ...
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (s.metrics.handshakesWaiting() != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polling interval of a deadline wait
  }
  CHECK(s.metrics.handshakesWaiting() == 1);
  // ... gets one when one of its own ends, and then its handshake runs.
  stall1.reset();
  CHECK(handshake.get());
  REQUIRE(waiting->send(kGet));
  REQUIRE(waiting->readAnswer());
}

TEST_CASE("time spent waiting for a handshake slot counts against the handshake deadline") {
  server::ServerLimits limits = shortLimits();
  limits.handshakesPerAddress = 1;
  limits.handshakeTimeout = 400ms;
  TestServer s(limits);
  auto stall = s.connect(false);
  REQUIRE(stall->send(kHelloStart));
  waitForHandshakesInProgress(s, 1);
  auto queued = s.connect(false);
  REQUIRE(queued->send(kHelloStart));
  CHECK(stall->closedWithin(5s));
  CHECK(queued->closedWithin(5s));  // its deadline passed while it waited: closed without a handshake
  CHECK(s.closed("handshake_deadline", 2));
  CHECK(s.connect()->send(kGet));  // the slot is free again
}

TEST_CASE("a full worker queue is answered 503 with Retry-After at once, and the held requests finish") {
  server::ServerLimits limits = shortLimits();
  limits.queueCapacity = 1;
  TestServer s(limits, 1);
  auto held = s.connect();
  REQUIRE(held->send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(s.gate.waitEntered(1, 10s));  // the only worker is inside the handler
  auto queued = s.connect();
  REQUIRE(queued->send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.metrics.queueDepth() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  REQUIRE(s.metrics.queueDepth() == 1);

  auto turnedAway = s.connect();
  REQUIRE(turnedAway->send(kGet));
  const auto busy = turnedAway->readAnswer(3s);
  REQUIRE(busy);
  CHECK(busy->status == 503);
  const int retryAfter = std::stoi(busy->header("Retry-After"));
  CHECK(retryAfter >= 3);
  CHECK(retryAfter <= 7);
  CHECK(s.metrics.overloadAnswers(503, "queue_full") == 1);
  // The connection stays usable once there is room.
  s.gate.release();
  for (auto* client : {held.get(), queued.get()}) {
    const auto answer = client->readAnswer();
    REQUIRE(answer);
    CHECK(answer->status == 200);
  }
  REQUIRE(turnedAway->send(kGet));
  const auto later = turnedAway->readAnswer();
  REQUIRE(later);
  CHECK(later->status == 200);
}

TEST_CASE("stop() closes idle connections and lets a request in progress finish") {
  TestServer s;
  auto idle = s.connect();
  auto inProgress = s.connect();
  REQUIRE(inProgress->send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(s.gate.waitEntered(1, 10s));
  std::thread stopper([&] { s.server->stop(); });
  CHECK(idle->closedWithin(5s));
  s.gate.release();
  const auto answer = inProgress->readAnswer();
  stopper.join();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->header("Connection") == "close");
  CHECK(inProgress->closedWithin(5s));
}

TEST_CASE("the connection limit never exceeds the open-file limit minus the reserve") {
  CHECK(server::effectiveMaxConnections(20'000, 20'000) == 20'000 - server::kFileReserve);
  CHECK(server::effectiveMaxConnections(20'000, 1'048'576) == 20'000);
  CHECK(server::effectiveMaxConnections(100, 1024) == 100);
  CHECK(server::effectiveMaxConnections(20'000, 100) == 1);
}

TEST_CASE("the connection options of mamori-collector") {
  auto parsed = app::parseCollectorOptions(
      {"--max-connections", "500", "--max-connections-per-address=8", "--idle-timeout", "0.5", "--header-timeout", "3",
       "--queue-size", "7", "--retry-after", "1-9", "--threads", "3", "--io-threads", "1", "--proxy-protocol-from",
       "10.0.0.0/8,192.0.2.1", "--proxy-protocol-from=fd00::/8"});
  REQUIRE(parsed.ok());
  const auto& options = parsed.value();
  CHECK(options.limits.maxConnections == 500);
  CHECK(options.limits.maxConnectionsPerAddress == 8);
  CHECK(options.limits.idleTimeout == 500ms);
  CHECK(options.limits.headerTimeout == 3s);
  CHECK(options.limits.queueCapacity == 7);
  CHECK(options.retryAfter.minSeconds == 1);
  CHECK(options.retryAfter.maxSeconds == 9);
  CHECK(options.threads == 3);
  CHECK(options.limits.ioThreads == 1);
  CHECK(options.proxySources.contains("10.20.30.40"));
  CHECK(options.proxySources.contains("192.0.2.1"));
  CHECK(options.proxySources.contains("fd00::5"));
  CHECK_FALSE(options.proxySources.contains("192.0.2.2"));
  const auto defaults = app::parseCollectorOptions({}).value();
  CHECK(defaults.limits.maxConnections == 20'000);
  CHECK(defaults.limits.idleTimeout == 15s);
  CHECK(defaults.proxySources.empty());
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--idle-timeout", "0.01"},
                                              {"--idle-timeout", "1.2345"},
                                              {"--idle-timeout", "x"},
                                              {"--max-connections", "0"},
                                              {"--retry-after", "9-1"},
                                              {"--retry-after", "5"},
                                              {"--max-header-bytes", "10"},
                                              {"--proxy-protocol-from", "10.0.0.0/8,"},
                                              {"--proxy-protocol-from", "haproxy.example"}}) {
    const auto refused = app::parseCollectorOptions(bad);
    CHECK_FALSE(refused.ok());
    if (!refused.ok()) CHECK(refused.error().where == bad[0]);
  }
}

namespace {

constexpr char kGetAddress[] = "GET /address HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// A PROXY protocol v2 header as HAProxy's send-proxy-v2 writes it, for a TCP/IPv4 client.
std::string proxyV2(const std::string& source, bool local = false) {
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += static_cast<char>(local ? 0x20 : 0x21);
  header += static_cast<char>(0x11);  // IPv4, stream
  header += std::string("\0\x0c", 2);
  in_addr address{};
  REQUIRE(inet_pton(AF_INET, source.c_str(), &address) == 1);
  header.append(reinterpret_cast<const char*>(&address), 4);  // NOLINT: bytes of the address
  header += std::string("\x7f\0\0\x01", 4);                   // destination 127.0.0.1
  header += std::string("\xc0\x01\x20\xfb", 4);               // ports 49153, 8443
  return header;
}

std::string addressSeen(RawTlsClient& client) {
  REQUIRE(client.handshake());
  REQUIRE(client.send(kGetAddress));
  const auto answer = client.readAnswer();
  REQUIRE(answer);
  return answer->body;
}

}  // namespace

TEST_CASE("behind a balancer named by --proxy-protocol-from, a client is known by its PROXY header's address") {
  TestServer s(shortLimits(), 2, {"127.0.0.1"});
  SUBCASE("version 2") {
    auto client = s.connect(false);
    REQUIRE(client->send(proxyV2("192.0.2.7")));
    CHECK(addressSeen(*client) == "192.0.2.7");
  }
  SUBCASE("version 1, sent in two pieces") {
    auto client = s.connect(false);
    REQUIRE(client->send("PROXY TCP6 2001:db8::7 ::1 4"));
    std::this_thread::sleep_for(50ms);  // lets the server read the first piece alone
    REQUIRE(client->send("9153 8443\r\n"));
    CHECK(addressSeen(*client) == "2001:db8::7");
  }
  SUBCASE("LOCAL (a health check) keeps the balancer's address") {
    auto client = s.connect(false);
    REQUIRE(client->send(proxyV2("192.0.2.7", true)));
    CHECK(addressSeen(*client) == "127.0.0.1");
  }
  SUBCASE("a balancer's connection without a header is closed") {
    auto client = s.connect(false);
    CHECK_FALSE(client->handshake(5s));
    CHECK(s.closed("proxy_header_invalid"));
  }
  SUBCASE("a balancer that never sends its header is closed at the handshake deadline") {
    auto client = s.connect(false);
    REQUIRE(client->send(proxyV2("192.0.2.7").substr(0, 10)));
    CHECK(client->closedWithin(10s));
    CHECK(s.closed("handshake_deadline"));
  }
}

TEST_CASE("a PROXY header from an address not named by --proxy-protocol-from is never believed") {
  TestServer s(shortLimits(), 2, {"127.0.0.2"});
  auto direct = s.connect(false);  // from 127.0.0.1: no header read, TLS at once
  CHECK(addressSeen(*direct) == "127.0.0.1");
  auto spoofing = s.connect(false);
  REQUIRE(spoofing->send(proxyV2("192.0.2.7")));
  CHECK_FALSE(spoofing->handshake(5s));  // the header is not TLS: the handshake fails
  CHECK(s.closed("handshake_failed"));
}

TEST_CASE("behind a balancer, the per-address cap counts each client's own connections") {
  server::ServerLimits limits = shortLimits();
  limits.maxConnectionsPerAddress = 1;
  TestServer s(limits, 2, {"127.0.0.1"});
  auto first = s.connect(false);
  REQUIRE(first->send(proxyV2("192.0.2.7")));
  CHECK(addressSeen(*first) == "192.0.2.7");
  auto other = s.connect(false);  // another client through the same balancer: its own count
  REQUIRE(other->send(proxyV2("192.0.2.8")));
  CHECK(addressSeen(*other) == "192.0.2.8");
  auto second = s.connect(false);  // the first client again: over its cap of 1
  REQUIRE(second->send(proxyV2("192.0.2.7")));
  CHECK(second->closedWithin(5s));
  CHECK(s.closed("per_address_cap"));
}
