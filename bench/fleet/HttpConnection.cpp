#include "bench/fleet/HttpConnection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace mamori::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

Outcome classifyStatus(int status) {
  if (status >= 200 && status < 300) return Outcome::Ok;
  if (status == 429 || status == 503) return Outcome::Throttled;
  if (status >= 400 && status < 500) return Outcome::Http4xx;
  return Outcome::Http5xx;
}

Outcome classifyError(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return Outcome::Timeout;
  if (ec.category() == asio::error::get_ssl_category()) return Outcome::TlsError;
  return Outcome::IoError;
}

}  // namespace

struct HttpConnection::Impl {
  asio::any_io_executor executor;
  asio::ssl::context& tls;
  asio::ip::tcp::endpoint endpoint;
  std::chrono::milliseconds opTimeout;
  std::chrono::milliseconds keepAliveIdle;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  Clock::time_point lastUsed;
  std::string host;
  std::optional<asio::ip::address> source;  // the simulated PC's own address

  asio::awaitable<Outcome> connect() {
    stream.emplace(executor, tls);
    buffer.clear();
    auto& tcp = beast::get_lowest_layer(*stream);
    beast::error_code ec;
    if (source) {
      tcp.socket().open(source->is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
      if (!ec) tcp.socket().bind({*source, 0}, ec);
      if (ec) {
        stream.reset();
        co_return Outcome::ConnectError;
      }
    }
    tcp.expires_after(opTimeout);
    co_await tcp.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      stream.reset();
      co_return ec == beast::error::timeout ? Outcome::Timeout : Outcome::ConnectError;
    }
    stream->set_verify_mode(asio::ssl::verify_peer);
    stream->set_verify_callback(asio::ssl::host_name_verification(host));
    tcp.expires_after(opTimeout);
    co_await stream->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      stream.reset();
      co_return ec == beast::error::timeout ? Outcome::Timeout : Outcome::TlsError;
    }
    co_return Outcome::Ok;
  }

  void drop() {
    if (!stream) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream).close();
    stream.reset();
  }
};

HttpConnection::HttpConnection(asio::any_io_executor executor, asio::ssl::context& tls,
                               const asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds opTimeout,
                               std::chrono::milliseconds keepAliveIdle, std::optional<asio::ip::address> source)
    : impl_(new Impl{std::move(executor), tls, endpoint, opTimeout, keepAliveIdle, {}, {}, {}, {}, std::move(source)}) {
  impl_->host = endpoint.address().to_string();
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() { impl_->drop(); }

bool HttpConnection::open() const { return impl_->stream.has_value(); }

asio::awaitable<SimResponse> HttpConnection::request(SimRequest request) {
  Impl& c = *impl_;
  const auto start = Clock::now();
  SimResponse response;
  auto finish = [&](Outcome outcome) {
    response.outcome = outcome;
    response.micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    if (outcome != Outcome::Ok && outcome != Outcome::Throttled && outcome != Outcome::Http4xx &&
        outcome != Outcome::Http5xx) {
      c.drop();  // after a transport error the connection is in an unknown state
    }
    return response;
  };
  // Poco's client reopens a connection that sat idle past its keep-alive time; so do we.
  if (c.stream && start - c.lastUsed > c.keepAliveIdle) c.drop();
  if (!c.stream) {
    if (const Outcome opened = co_await c.connect(); opened != Outcome::Ok) co_return finish(opened);
  }
  http::request<http::string_body> message{request.method == "GET" ? http::verb::get : http::verb::post, request.target,
                                           11};
  message.set(http::field::host, c.host + ":" + std::to_string(c.endpoint.port()));
  message.set(http::field::user_agent, "mamori-fleet-sim");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.keep_alive(!request.closeAfter);
  message.body() = std::move(request.body);
  if (message.method() != http::verb::get || !message.body().empty()) message.prepare_payload();

  auto& tcp = beast::get_lowest_layer(*c.stream);
  beast::error_code ec;
  tcp.expires_after(c.opTimeout);
  co_await http::async_write(*c.stream, message, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return finish(classifyError(ec));
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{16} * 1024 * 1024);
  tcp.expires_after(c.opTimeout);
  co_await http::async_read(*c.stream, c.buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return finish(classifyError(ec));
  auto& answer = parser.get();
  response.status = static_cast<int>(answer.result_int());
  response.body = std::move(answer.body());
  if (auto it = answer.find(http::field::retry_after); it != answer.end())
    response.retryAfter = std::string(it->value());
  c.lastUsed = Clock::now();
  if (!answer.keep_alive() || request.closeAfter) c.drop();
  co_return finish(classifyStatus(response.status));
}

}  // namespace mamori::bench
