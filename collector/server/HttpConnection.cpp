#include "collector/server/HttpConnection.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <iterator>
#include <random>

#include "collector/proxy/ProxyHeader.h"
#include "common/Log.h"

namespace mamori::collector::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

// The first read of a request asks for this much: small, because an idle connection holds it.
constexpr std::size_t kFirstRead = 512;
// After an answer that ends the connection, what the client still sends is read and dropped for at
// most this long and this much (a client that writes its whole body before reading sees the answer).
constexpr std::chrono::milliseconds kLinger{2'000};
constexpr std::size_t kLingerBytes = std::size_t{4} * 1024 * 1024;

bool isParseError(const beast::error_code& error) {
  return error.category() == beast::http::make_error_code(http::error::bad_method).category();
}

// timeout shortened by a random share of up to percent (see ServerLimits::idleJitterPercent).
std::chrono::milliseconds jittered(std::chrono::milliseconds timeout, int percent) {
  if (percent <= 0) return timeout;
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> cut(0, timeout.count() * std::min(percent, 100) / 100);
  return timeout - std::chrono::milliseconds(cut(random));
}

std::string headerValue(const http::request_header<>& header, http::field field) {
  const auto it = header.find(field);
  return it == header.end() ? std::string() : std::string(it->value());
}

std::string headerValue(const http::request_header<>& header, const char* name) {
  const auto it = header.find(name);
  return it == header.end() ? std::string() : std::string(it->value());
}

}  // namespace

HttpConnection::HttpConnection(net::ip::tcp::socket&& socket, net::ssl::context& tls, ConnectionShared& shared,
                               std::uint64_t id, std::string address, std::string balancer)
    : stream_(std::move(socket), tls.native_handle()),
      // The socket's executor, which is the stream's: taken from the stream's by-value answer, clang 14's
      // analyzer reported a null dereference inside Asio's any_executor copy that cannot happen.
      deadline_(stream_.socket().get_executor()),
      shared_(shared),
      id_(id),
      address_(std::move(address)),
      balancer_(std::move(balancer)),
      awaitingProxyHeader_(!balancer_.empty()) {}

HttpConnection::~HttpConnection() {
  shared_.registry->release(id_);
  shared_.metrics->countConnectionClosed(closeReason_ ? closeReason_ : "client_closed");
  shared_.metrics->setOpenConnections(static_cast<std::int64_t>(shared_.registry->open()));
  if (shared_.connectionGone) shared_.connectionGone();
}

void HttpConnection::setDeadline(std::chrono::milliseconds timeout) {
  stream_.clearExpiry();
  deadline_.expires_after(timeout);  // cancels the wait for the previous deadline
  // Weak: a closed connection is not kept alive until its deadline would have passed.
  deadline_.async_wait([weak = weak_from_this(), generation = ++deadlineGeneration_](beast::error_code error) {
    if (error) return;
    auto self = weak.lock();
    if (self && self->deadlineGeneration_ == generation) self->stream_.expire();
  });
}

void HttpConnection::start() {
  // A slot of the handshake gate is taken only once the client has sent something: connections that
  // never say hello (port scanners, a script holding sockets) cost memory, not slots. A balancer's
  // PROXY header counts as part of the hello: it must arrive within the same deadline.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->helloDeadline_.emplace(self->stream_.get_executor(), self->shared_.limits.handshakeTimeout);
    // Weak, like setDeadline's: a connection closed before its hello (by stop(), a bad PROXY header)
    // must go at once, not stay counted open (and hold stop() up) until the deadline would pass.
    self->helloDeadline_->async_wait([weak = self->weak_from_this()](beast::error_code error) {
      if (error) return;
      auto connection = weak.lock();
      if (connection && connection->state_ == State::Handshake) connection->close("handshake_deadline");
    });
    self->waitForHello();
  });
}

void HttpConnection::waitForHello() {
  stream_.socket().async_wait(net::socket_base::wait_read,
                              [self = shared_from_this()](beast::error_code error) { self->onHello(error); });
}

void HttpConnection::onHello(beast::error_code error) {
  if (state_ == State::Closing) return;
  if (error) {
    helloDeadline_.reset();
    return close("client_closed");
  }
  if (awaitingProxyHeader_) return readProxyHeader();
  helloDeadline_.reset();  // cancels the deadline's wait
  // Posted, never run inline: a slot handed on by leave() must not start the next handshake inside
  // the one that ends (a long queue of closed connections would nest that deep).
  shared_.handshakes->enter(address_, [self = shared_from_this()] {
    net::post(self->stream_.get_executor(), [self] { self->beginHandshake(); });
  });
  reportGate();
}

void HttpConnection::readProxyHeader() {
  // Peeked, then taken from the socket only as far as the header goes: the TLS hello behind it must
  // stay for the handshake. Bytes of an incomplete header are all header, so they are taken at once
  // (a peek alone would leave the socket readable and wake this again and again).
  auto& socket = stream_.socket();
  std::array<char, proxy::kMaxProxyHeaderBytes> peeked{};
  const auto room = peeked.size() - proxyHeader_.size();
  beast::error_code error;
  const auto count = socket.receive(net::buffer(peeked.data(), room), net::socket_base::message_peek, error);
  if (error == net::error::would_block) return waitForHello();
  if (error || count == 0) return close("client_closed");
  const std::string seen = proxyHeader_ + std::string(peeked.data(), count);
  const auto parsed = proxy::parseProxyHeader(seen);
  if (parsed.state == proxy::ProxyParseState::Invalid) {
    common::log::warning("collector: closing a connection from balancer " + balancer_ + ": " + parsed.error);
    return close("proxy_header_invalid");
  }
  const auto take = parsed.state == proxy::ProxyParseState::Complete ? parsed.length - proxyHeader_.size() : count;
  std::vector<char> taken(take);
  net::read(socket, net::buffer(taken), error);
  if (error) return close("client_closed");
  if (parsed.state == proxy::ProxyParseState::NeedMore) {
    proxyHeader_.append(taken.data(), taken.size());
    return waitForHello();
  }
  awaitingProxyHeader_ = false;
  std::string().swap(proxyHeader_);
  address_ = parsed.sourceAddress.value_or(balancer_);  // LOCAL (a health check): the balancer itself
  if (shared_.registry->readdress(id_, address_) != Admission::Accepted) return close("per_address_cap");
  waitForHello();  // the client's TLS hello, under the same deadline
}

void HttpConnection::beginHandshake() {
  inGate_ = true;
  reportGate();
  if (state_ == State::Closing || shared_.stopping) {
    leaveGate();
    return close("shutdown");
  }
  // The deadline counts from the accept: time spent waiting for a slot is part of it.
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - accepted_);
  if (waited >= shared_.limits.handshakeTimeout) {
    leaveGate();
    return close("handshake_deadline");
  }
  setDeadline(shared_.limits.handshakeTimeout - waited);
  stream_.async_handshake([self = shared_from_this()](beast::error_code error) { self->onHandshake(error); });
}

void HttpConnection::leaveGate() {
  if (!inGate_) return;
  inGate_ = false;
  shared_.handshakes->leave(address_);
  reportGate();
}

void HttpConnection::reportGate() {
  shared_.metrics->setHandshakes(shared_.handshakes->waiting(), shared_.handshakes->inProgress());
}

void HttpConnection::refuse(const char* reason) {
  closeReason_ = reason;
  state_ = State::Closing;
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

void HttpConnection::evict() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->state_ == State::Idle) self->close("evicted_oldest_idle");
  });
}

void HttpConnection::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    // A request being answered finishes; onWritten sees `stopping` and closes after it.
    if (self->state_ != State::Dispatched && self->state_ != State::Writing) self->close("shutdown");
  });
}

void HttpConnection::close(const char* reason) {
  if (state_ == State::Closing && closeReason_) return;
  if (!closeReason_) closeReason_ = reason;
  if (state_ == State::Idle) shared_.registry->markBusy(id_);
  state_ = State::Closing;
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

void HttpConnection::onHandshake(beast::error_code error) {
  leaveGate();
  if (error) return close(error == beast::error::timeout ? "handshake_deadline" : "handshake_failed");
  waitForRequest();
}

void HttpConnection::waitForRequest() {
  if (state_ == State::Closing) return;
  if (shared_.stopping) return close("shutdown");
  parser_.reset();
  response_.reset();
  bodyTooLarge_ = false;
  if (buffer_.size() > 0) return readHeader();  // the client sent its next request already
  buffer_.shrink_to_fit();                      // an idle connection holds no read buffer
  state_ = State::Idle;
  shared_.registry->markIdle(id_);
  setDeadline(jittered(shared_.limits.idleTimeout, shared_.limits.idleJitterPercent));
  stream_.async_read_some(
      buffer_.prepare(kFirstRead),
      [self = shared_from_this()](beast::error_code error, std::size_t bytes) { self->onFirstBytes(error, bytes); });
}

void HttpConnection::onFirstBytes(beast::error_code error, std::size_t bytes) {
  buffer_.commit(bytes);
  if (state_ == State::Closing) return;  // evicted or stopped while idle
  shared_.registry->markBusy(id_);
  if (error) {
    if (error == beast::error::timeout) return close("idle");
    return close("client_closed");
  }
  readHeader();
}

void HttpConnection::readHeader() {
  state_ = State::Header;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(shared_.limits.maxHeaderBytes, UINT32_MAX)));
  // No body limit while the header is read: a Content-Length over it is our decision (dispatch()
  // without reading), not a parse error that would leave the header half known.
  parser_->body_limit(boost::none);
  setDeadline(shared_.limits.headerTimeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code error, std::size_t) { self->onHeader(error); });
}

void HttpConnection::onHeader(beast::error_code error) {
  if (state_ == State::Closing) return;
  headerDone_ = std::chrono::steady_clock::now();
  endpoint_ = "other";
  if (error == http::error::header_limit) {
    return answerHere(
        jsonError(431, "the request header is over " + std::to_string(shared_.limits.maxHeaderBytes) + " bytes",
                  "header"),
        false);
  }
  if (error == http::error::partial_message || error == http::error::end_of_stream) return close("client_closed");
  if (error && isParseError(error)) {
    return answerHere(jsonError(400, "malformed HTTP request: " + error.message(), "request"), false);
  }
  if (error) return close(error == beast::error::timeout ? "header_deadline" : "client_closed");

  const auto& header = parser_->get();
  endpoint_ = endpointFor(std::string(header.target().substr(0, header.target().find('?'))));
  head_ = header.method() == http::verb::head;
  keepAlive_ = header.keep_alive();
  const auto fields = static_cast<std::size_t>(std::distance(header.begin(), header.end()));
  if (fields > shared_.limits.maxHeaderFields) {
    return answerHere(jsonError(431,
                                "the request has " + std::to_string(fields) + " header fields, more than " +
                                    std::to_string(shared_.limits.maxHeaderFields),
                                "header"),
                      false);
  }
  const auto length = parser_->content_length();
  if (length && *length > shared_.maxBodyBytes) {
    // Not read at all: CollectorApi answers 413 from the announced length, then the connection closes.
    bodyTooLarge_ = true;
    keepAlive_ = false;
    return dispatch();
  }
  if (parser_->is_done()) return dispatch();
  const auto expect = header.find(http::field::expect);
  if (expect != header.end() && beast::iequals(expect->value(), "100-continue")) return sendContinue();
  readBody();
}

void HttpConnection::sendContinue() {
  state_ = State::Writing;
  auto answer = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
  setDeadline(shared_.limits.writeTimeout);
  http::async_write(stream_, *answer, [self = shared_from_this(), answer](beast::error_code error, std::size_t) {
    if (self->state_ == State::Closing) return;
    if (error) return self->close(error == beast::error::timeout ? "write_deadline" : "client_closed");
    self->readBody();
  });
}

void HttpConnection::readBody() {
  state_ = State::Body;
  // bodyTimeout plus one second per bodyMinBytesPerSecond of the announced (or largest) length.
  const std::uint64_t length = parser_->content_length().value_or(shared_.maxBodyBytes);
  const std::uint64_t rate = std::max<std::size_t>(1, shared_.limits.bodyMinBytesPerSecond);
  setDeadline(shared_.limits.bodyTimeout + std::chrono::seconds((length + rate - 1) / rate));
  parser_->body_limit(shared_.maxBodyBytes);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code error, std::size_t) { self->onBody(error); });
}

void HttpConnection::onBody(beast::error_code error) {
  if (state_ == State::Closing) return;
  if (error == http::error::body_limit) {
    // A chunked body past the limit: CollectorApi answers 413 (readBody reports tooLarge), then close.
    bodyTooLarge_ = true;
    keepAlive_ = false;
    return dispatch();
  }
  if (error == http::error::partial_message || error == http::error::end_of_stream) return close("client_closed");
  if (error && isParseError(error)) {
    return answerHere(jsonError(400, "malformed HTTP request body: " + error.message(), "body"), false);
  }
  if (error) return close(error == beast::error::timeout ? "body_deadline" : "client_closed");
  dispatch();
}

void HttpConnection::dispatch() {
  auto& message = parser_->get();
  auto request = std::make_shared<ApiRequest>();
  request->method = std::string(message.method_string());
  try {
    const Poco::URI uri(std::string(message.target()));
    request->path = uri.getPath();
    for (auto& pair : uri.getQueryParameters()) request->query.push_back(std::move(pair));
  } catch (const Poco::Exception& e) {
    return answerHere(jsonError(400, "malformed request target: " + e.displayText(), "request"), false);
  }
  request->authorization = headerValue(message, http::field::authorization);
  request->cookie = headerValue(message, http::field::cookie);
  request->csrfToken = headerValue(message, "X-CSRF-Token");
  request->ifNoneMatch = headerValue(message, http::field::if_none_match);
  request->clientAddress = address_;
  request->contentType = headerValue(message, http::field::content_type);
  request->contentEncoding = headerValue(message, http::field::content_encoding);
  if (const auto length = parser_->content_length()) request->contentLength = static_cast<std::int64_t>(*length);
  // The body is in memory already (or was refused unread): readBody hands it over with the same
  // tooLarge/failed meaning as a streamed read.
  auto body = std::make_shared<std::string>(bodyTooLarge_ ? std::string() : std::move(message.body()));
  request->readBody = [body, tooLarge = bodyTooLarge_](std::size_t maxBytes) {
    BodyRead read;
    if (tooLarge || body->size() > maxBytes) {
      read.tooLarge = true;
      return read;
    }
    read.data = std::move(*body);
    return read;
  };
  if (shared_.stopping) keepAlive_ = false;
  state_ = State::Dispatched;

  auto self = shared_from_this();
  // The work guard keeps the event loop running while no socket operation of this connection is
  // pending (stop() waits for answers in progress).
  auto work = std::make_shared<net::executor_work_guard<net::io_context::executor_type>>(shared_.io->get_executor());
  std::function<void()> job = [self, request, work]() mutable {
    ApiResponse answer;
    try {
      answer = self->shared_.handler(*request);
    } catch (const std::exception& e) {
      common::log::error("request " + request->method + " " + request->path + " failed: " + e.what());
      answer = jsonError(500, "internal error", "");
    } catch (...) {
      common::log::error("request " + request->method + " " + request->path + " failed: unknown exception");
      answer = jsonError(500, "internal error", "");
    }
    // The API's own "come back later" answers: storage or a dependency unavailable, sign-in throttled.
    if (answer.status == 503) self->shared_.metrics->countOverload(503, "unavailable");
    if (answer.status == 429) self->shared_.metrics->countOverload(429, "throttled");
    net::post(self->stream_.get_executor(),
              [self, answer = std::move(answer)]() mutable { self->respond(std::move(answer)); });
    work->reset();
  };
  if (shared_.workers->tryPost(job)) return;
  // Every worker is busy and the queue is full: answer now instead of making the client wait.
  shared_.metrics->countOverload(503, "queue_full");
  ApiResponse busy = jsonError(503, "the collector is busy, retry later", "server");
  busy.headers.emplace_back("Retry-After", retryAfterSeconds(shared_.retryAfter));
  busy.endpoint = endpoint_;
  shared_.metrics->countRequest(endpoint_, 503);
  respond(std::move(busy));
}

void HttpConnection::answerHere(ApiResponse response, bool keepAlive) {
  keepAlive_ = keepAlive;
  response.endpoint = endpoint_;
  shared_.metrics->countRequest(endpoint_, response.status);
  if (response.status == 431) closeReason_ = "header_too_large";
  if (response.status == 400) closeReason_ = "bad_request";
  respond(std::move(response));
}

void HttpConnection::respond(ApiResponse answer) {
  if (state_ == State::Closing) return;
  if (!answer.endpoint.empty()) endpoint_ = answer.endpoint;
  response_.emplace(static_cast<http::status>(answer.status), 11);
  auto& response = *response_;
  response.set(http::field::server, "mamori-collector");
  response.set(http::field::content_type, answer.contentType);
  for (const auto& [name, value] : answer.headers) response.insert(name, value);
  response.keep_alive(keepAlive_ && !shared_.stopping);
  response.content_length(answer.body.size());
  if (!head_) response.body() = std::move(answer.body);
  state_ = State::Writing;
  setDeadline(shared_.limits.writeTimeout);
  http::async_write(stream_, response,
                    [self = shared_from_this()](beast::error_code error, std::size_t) { self->onWritten(error); });
}

void HttpConnection::onWritten(beast::error_code error) {
  if (state_ == State::Closing) return;
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - headerDone_).count();
  shared_.metrics->observeLatency(endpoint_, elapsed);
  if (error) return close(error == beast::error::timeout ? "write_deadline" : "client_closed");
  if (!keepAlive_ || shared_.stopping) return lingerThenClose();
  waitForRequest();
}

void HttpConnection::lingerThenClose() {
  if (!closeReason_) closeReason_ = shared_.stopping ? "shutdown" : "server_close";
  state_ = State::Closing;
  auto& socket = stream_.socket();
  beast::error_code ignored;
  socket.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  discard_ = std::make_unique<std::array<char, 4096>>();
  setDeadline(kLinger);
  // Raw TCP reads: what arrives now is never looked at, so it need not be decrypted.
  struct Drain {
    std::shared_ptr<HttpConnection> self;
    void operator()(beast::error_code error, std::size_t bytes) {
      self->discarded_ += bytes;
      auto& stream = self->stream_.socket();
      if (error || self->discarded_ >= kLingerBytes) {
        beast::error_code ignored;
        stream.close(ignored);
        return;
      }
      stream.async_read_some(net::buffer(*self->discard_), std::move(*this));
    }
  };
  stream_.socket().async_read_some(net::buffer(*discard_), Drain{shared_from_this()});
}

}  // namespace mamori::collector::server
