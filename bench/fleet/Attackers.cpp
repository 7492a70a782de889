#include "bench/fleet/Attackers.h"

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>

#include "bench/fleet/HttpConnection.h"

namespace mamori::bench {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = FleetContext::Clock;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

namespace {

AttackerStats& statsOf(FleetContext& context, AttackKind kind) {
  switch (kind) {
    case AttackKind::IdleTls: return context.stats.idleTls;
    case AttackKind::RawTcp: return context.stats.rawTcp;
    case AttackKind::Slowloris: return context.stats.slowloris;
  }
  return context.stats.idleTls;
}

asio::awaitable<void> sleepFor(FleetContext& context, Clock::duration duration) {
  asio::steady_timer timer(context.executor, std::min(Clock::now() + duration, context.runEnd));
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

// Completes when the peer closes (or resets) the connection.
template <typename Stream>
asio::awaitable<void> waitForClose(Stream& stream) {
  std::array<char, 512> buffer{};
  boost::system::error_code ec;
  while (!ec) co_await stream.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> trickleHeaders(FleetContext& context, TlsStream& stream) {
  boost::system::error_code ec;
  const std::string start = "POST /api/v1/events HTTP/1.1\r\nHost: " + context.endpoint.address().to_string() + "\r\n";
  co_await asio::async_write(stream, asio::buffer(start), asio::redirect_error(asio::use_awaitable, ec));
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(context.options.slowlorisIntervalS));
  for (int line = 0; !ec && !context.runEnded(); ++line) {
    co_await sleepFor(context, interval);
    const std::string header = "X-Slow-" + std::to_string(line) + ": x\r\n";
    co_await asio::async_write(stream, asio::buffer(header), asio::redirect_error(asio::use_awaitable, ec));
  }
}

// One connection's life; returns true if the collector closed it.
asio::awaitable<bool> holdOnce(FleetContext& context, AttackKind kind, AttackerStats& stats) {
  asio::ip::tcp::socket socket(context.executor);
  boost::system::error_code ec;
  if (!context.options.attackerSource.empty()) {
    // One hostile host beside the agents: bind before connecting (any free port).
    socket.open(asio::ip::tcp::v4(), ec);
    if (!ec) socket.bind({asio::ip::make_address(context.options.attackerSource, ec), 0}, ec);
    if (ec) {
      ++stats.openFailures;
      co_return false;
    }
  }
  co_await socket.async_connect(context.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ++stats.openFailures;
    co_return false;
  }
  asio::steady_timer runEnd(context.executor, context.runEnd);
  auto untilRunEnd = [&]() -> asio::awaitable<void> {
    boost::system::error_code ignored;
    co_await runEnd.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  };
  const auto opened = Clock::now();
  auto heldMs = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - opened).count(); };
  if (kind == AttackKind::RawTcp) {
    stats.open();
    auto which = co_await (waitForClose(socket) || untilRunEnd());
    const bool byServer = which.index() == 0 && !context.runEnded();
    if (!byServer) ++stats.heldAtEnd;
    stats.closed(heldMs(), byServer);
    co_return byServer;
  }
  TlsStream stream(std::move(socket), context.tls);
  stream.set_verify_mode(asio::ssl::verify_peer);
  // The handshake may itself be held up by a saturated collector: bound it by the run.
  auto handshake = [&]() -> asio::awaitable<boost::system::error_code> {
    boost::system::error_code error;
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, error));
    co_return error;
  };
  auto shaken = co_await (handshake() || untilRunEnd());
  if (shaken.index() != 0 || std::get<0>(shaken)) {
    ++stats.openFailures;
    co_return false;
  }
  stats.open();
  bool closed = false;  // the collector ended it (a failed header write means the same)
  if (kind == AttackKind::Slowloris) {
    closed = (co_await (waitForClose(stream) || trickleHeaders(context, stream) || untilRunEnd())).index() != 2;
  } else {
    closed = (co_await (waitForClose(stream) || untilRunEnd())).index() == 0;
  }
  const bool byServer = closed && !context.runEnded();
  if (!byServer) ++stats.heldAtEnd;
  stats.closed(heldMs(), byServer);
  co_return byServer;
}

}  // namespace

asio::awaitable<void> runAttacker(FleetContext& context, AttackKind kind, int index) {
  // Spread the openings over the first second so the collector's accept queue is not the test.
  co_await sleepFor(context, std::chrono::microseconds(index * 1'000'000 / 20'000));
  AttackerStats& stats = statsOf(context, kind);
  while (!context.runEnded()) {
    co_await holdOnce(context, kind, stats);
    co_await sleepFor(context, std::chrono::seconds(1));
  }
}

asio::awaitable<void> runHealthProbe(FleetContext& context) {
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(context.options.requestTimeoutS * 1000));
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(context.options.probeIntervalS));
  while (!context.runEnded()) {
    const auto next = Clock::now() + interval;
    HttpConnection connection(context.executor, context.tls, context.endpoint, timeout, timeout);
    SimRequest request;
    request.method = "GET";
    request.target = "/healthz";
    request.closeAfter = true;
    const Phase phase = context.phase;
    const SimResponse response = co_await connection.request(std::move(request));
    context.stats.record(RequestKind::Healthz, phase, response.outcome, response.micros);
    co_await sleepFor(context, next - Clock::now());
  }
}

}  // namespace mamori::bench
