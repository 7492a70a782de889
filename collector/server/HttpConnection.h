#pragma once
// One client connection of the event-driven listener (docs/decisions/0017): TLS handshake, then
// requests read with Beast's parser under the deadlines of ServerLimits, each answered by
// CollectorApi on the worker pool, the answer written back on the connection's strand. It never
// blocks a thread: an idle or slow client costs memory (about 16 KiB with TLS, decision 0027), not
// a thread.

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "collector/proxy/ProxySources.h"
#include "collector/server/CollectorApi.h"
#include "collector/server/ConnectionRegistry.h"
#include "collector/server/HandshakeGate.h"
#include "collector/server/RetryAfter.h"
#include "collector/server/ServerLimits.h"
#include "collector/server/TlsSocketStream.h"
#include "collector/server/WorkerPool.h"

namespace mamori::collector::server {

// What every connection of one listener shares; owned by CollectorServer, outlives the connections.
struct ConnectionShared {
  ServerLimits limits;
  std::size_t maxBodyBytes = 0;
  RetryAfterRange retryAfter;
  RequestHandler handler;
  Metrics* metrics = nullptr;
  WorkerPool* workers = nullptr;
  ConnectionRegistry* registry = nullptr;
  HandshakeGate* handshakes = nullptr;
  // Balancers whose connections start with a PROXY protocol header (--proxy-protocol-from).
  const proxy::ProxySources* proxySources = nullptr;
  boost::asio::io_context* io = nullptr;
  std::atomic<bool> stopping{false};
  // Called as each connection ends (from its destructor, on an I/O thread).
  std::function<void()> connectionGone;
};

class HttpConnection final : public Evictable, public std::enable_shared_from_this<HttpConnection> {
 public:
  // address: the peer's; empty when the peer is a balancer named by --proxy-protocol-from (its
  // PROXY header names the client). balancer: that balancer's address.
  HttpConnection(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls, ConnectionShared& shared,
                 std::uint64_t id, std::string address, std::string balancer = {});
  ~HttpConnection() override;

  void start();
  // Closes a connection the registry did not admit (its destructor counts reason).
  void refuse(const char* reason);
  void evict() override;
  void shutdown() override;

 private:
  enum class State { Handshake, Idle, Header, Body, Dispatched, Writing, Closing };
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  void waitForHello();
  void onHello(boost::beast::error_code error);  // the client's first bytes arrived (or not)
  // A balancer's connection: reads its PROXY header (what has arrived of it) and learns the client.
  void readProxyHeader();
  void beginHandshake();  // when the gate gives this connection's address a slot
  void leaveGate();
  void reportGate();  // the gate's counts to /metrics
  void onHandshake(boost::beast::error_code error);
  void waitForRequest();
  void onFirstBytes(boost::beast::error_code error, std::size_t bytes);
  void readHeader();
  void onHeader(boost::beast::error_code error);
  void sendContinue();
  void readBody();
  void onBody(boost::beast::error_code error);
  void dispatch();
  void respond(ApiResponse response);
  void onWritten(boost::beast::error_code error);
  // Answers from the I/O thread (a refused header, a full queue) and then closes or continues.
  void answerHere(ApiResponse response, bool keepAlive);
  // Stops reading the client after an answer that ends the connection: the send side is shut and
  // what the client still sends is discarded for a moment, so it sees the answer instead of a reset.
  void lingerThenClose();
  void close(const char* reason);
  void setDeadline(std::chrono::milliseconds timeout);

  TlsSocketStream stream_;
  boost::asio::steady_timer deadline_;  // of the operation in progress (setDeadline)
  // Counts setDeadline calls: a wait that had already fired when the next deadline was set (its
  // handler queued behind the operation that just ended) must not expire the next operation.
  std::uint64_t deadlineGeneration_ = 0;
  ConnectionShared& shared_;
  const std::uint64_t id_;
  std::string address_;         // the client's, once known (a balancer's connection: from its PROXY header)
  const std::string balancer_;  // the peer, when it is a balancer named by --proxy-protocol-from
  bool awaitingProxyHeader_;    // until that balancer's PROXY header has been read
  std::string proxyHeader_;     // the part of that header read so far
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;
  State state_ = State::Handshake;
  std::chrono::steady_clock::time_point accepted_ = std::chrono::steady_clock::now();
  bool inGate_ = false;  // holds one of its address's handshake slots
  // Until the client's first bytes arrive: a connection that says nothing costs no handshake slot.
  std::optional<boost::asio::steady_timer> helloDeadline_;
  const char* closeReason_ = nullptr;
  bool keepAlive_ = true;
  bool bodyTooLarge_ = false;
  bool head_ = false;
  std::string endpoint_ = "other";
  std::chrono::steady_clock::time_point headerDone_{};
  std::unique_ptr<std::array<char, 4096>> discard_;  // only while lingering
  std::size_t discarded_ = 0;
};

}  // namespace mamori::collector::server
