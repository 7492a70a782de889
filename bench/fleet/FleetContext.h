#pragma once
// What every simulated agent shares: the settings, the TLS context pinned to the collector's
// certificate, the figures, the run's clock and the outage phase (set by SIGUSR1 / SIGUSR2).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/fleet/FleetOptions.h"
#include "bench/fleet/FleetStats.h"

namespace mamori::bench {

class SimAgent;

struct FleetContext {
  using Clock = std::chrono::steady_clock;

  FleetContext(FleetOptions o, boost::asio::any_io_executor e, boost::asio::ssl::context& t,
               boost::asio::ip::tcp::endpoint ep, std::string secret)
      : options(std::move(o)),
        executor(std::move(e)),
        tls(t),
        endpoint(std::move(ep)),
        enrollSecret(std::move(secret)) {}

  FleetOptions options;
  boost::asio::any_io_executor executor;
  boost::asio::ssl::context& tls;
  boost::asio::ip::tcp::endpoint endpoint;
  std::string enrollSecret;
  FleetStats stats;
  std::mt19937_64 random{std::random_device{}()};
  Clock::time_point start = Clock::now();
  Clock::time_point runEnd;    // no new events or heartbeats after this
  Clock::time_point drainEnd;  // agents stop after this even with events left
  Phase phase = Phase::Normal;
  Clock::time_point returnedAt{};  // SIGUSR2; drain figures count from here
  int agentsBehind = 0;            // agents still owing events made before the return
  std::vector<SimAgent*> agents;

  // A uniform draw in [lo, hi].
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(random); }
  std::int64_t uniformInt(std::int64_t hi) {
    return hi <= 0 ? 0 : std::uniform_int_distribution<std::int64_t>(0, hi)(random);
  }
  bool runEnded() const { return Clock::now() >= runEnd; }
  bool drainEnded() const { return Clock::now() >= drainEnd; }

  void collectorDown();
  void collectorBack();
  void agentCaughtUp();
};

}  // namespace mamori::bench
