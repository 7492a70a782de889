// mamori-fleet-sim: a fleet of simulated agents and attackers against one collector on loopback.
// bench/fleet.py drives it (collector start, scenarios, the reference run); --help lists options.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/resource.h>
#include <vector>

#include "agent/report/Enrollment.h"
#include "bench/fleet/Attackers.h"
#include "bench/fleet/CollectorSampler.h"
#include "bench/fleet/FleetContext.h"
#include "bench/fleet/SimAgent.h"
#include "common/CommandLine.h"

namespace asio = boost::asio;
using namespace mamori;
using namespace mamori::bench;

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitSetup = 3;

// https://127.0.0.1:PORT or https://[::1]:PORT or https://localhost:PORT: loopback only, by design.
common::Result<asio::ip::tcp::endpoint> loopbackEndpoint(const std::string& url) {
  const std::string prefix = "https://";
  if (url.rfind(prefix, 0) != 0) return common::makeError("expected https://HOST:PORT", "--url");
  std::string rest = url.substr(prefix.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return common::makeError("expected https://HOST:PORT with a port", "--url");
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback()) {
    return common::makeError("only a loopback address is allowed (the simulator is a load generator)", "--url");
  }
  auto port = common::parseInteger(rest.substr(colon + 1), 1, 65535);
  if (!port) return common::makeError("expected a port from 1 to 65535, got \"" + url + "\"", "--url");
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port.value()));
}

// Thousands of sockets need more descriptors than the usual soft limit of 1024.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parseFleetOptions(argc, argv);
  if (!parsed) return common::usageError("mamori-fleet-sim", parsed.error().describe());
  if (parsed.value().help) {
    std::cout << fleetUsage();
    return 0;
  }
  const FleetOptions options = std::move(parsed).value();
  auto endpoint = loopbackEndpoint(options.url);
  if (!endpoint) return common::usageError("mamori-fleet-sim", endpoint.error().describe());
  raiseOpenFileLimit();

  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);  // thousands of idle connections
  boost::system::error_code ec;
  tls.load_verify_file(options.caFile, ec);
  if (ec) {
    std::cerr << "mamori-fleet-sim: " << options.caFile << ": cannot load the certificate: " << ec.message() << "\n";
    return kExitSetup;
  }
  std::string secret;
  if (options.agents > 0) {
    auto read = agent::readEnrollSecret(options.enrollSecretFile);
    if (!read) {
      std::cerr << "mamori-fleet-sim: " << read.error().describe() << "\n";
      return kExitSetup;
    }
    secret = std::move(read).value();
  }

  asio::io_context io(1);
  FleetContext context(options, io.get_executor(), tls, endpoint.value(), secret);
  context.start = FleetContext::Clock::now();
  auto seconds = [](double s) {
    return std::chrono::duration_cast<FleetContext::Clock::duration>(std::chrono::duration<double>(s));
  };
  context.runEnd = context.start + seconds(options.durationS);
  context.drainEnd = context.runEnd + seconds(options.drainTimeoutS);
  context.stats.agents = options.agents;

  std::vector<std::unique_ptr<SimAgent>> agents;
  agents.reserve(static_cast<std::size_t>(options.agents));
  for (int i = 0; i < options.agents; ++i) {
    agents.push_back(std::make_unique<SimAgent>(context, i));
    context.agents.push_back(agents.back().get());
  }

  asio::signal_set signals(io, SIGUSR1, SIGUSR2, SIGINT);
  signals.add(SIGTERM);
  std::function<void(const boost::system::error_code&, int)> onSignal = [&](const boost::system::error_code& error,
                                                                            int number) {
    if (error) return;
    if (number == SIGUSR1) context.collectorDown();
    if (number == SIGUSR2) context.collectorBack();
    if (number == SIGINT || number == SIGTERM) {
      std::cerr << "mamori-fleet-sim: interrupted; figures so far:\n";
      io.stop();
      return;
    }
    signals.async_wait(onSignal);
  };
  signals.async_wait(onSignal);

  // The run ends when every agent is done (run time, then drain), or at a hard deadline.
  int remaining = options.agents;
  asio::steady_timer lastResort(io, context.drainEnd + seconds(3 * options.requestTimeoutS + 5));
  lastResort.async_wait([&](const boost::system::error_code& error) {
    if (!error) io.stop();
  });
  asio::steady_timer noAgents(io, context.runEnd);
  if (remaining == 0) noAgents.async_wait([&](const boost::system::error_code&) { io.stop(); });
  for (auto& agent : agents) {
    asio::co_spawn(io, agent->run(), [&](const std::exception_ptr& failure) {
      if (failure) {
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          std::cerr << "mamori-fleet-sim: an agent stopped: " << e.what() << "\n";
        }
      }
      if (--remaining == 0) io.stop();
    });
  }
  for (int i = 0; i < options.idleTls; ++i)
    asio::co_spawn(io, runAttacker(context, AttackKind::IdleTls, i), asio::detached);
  for (int i = 0; i < options.rawTcp; ++i)
    asio::co_spawn(io, runAttacker(context, AttackKind::RawTcp, i), asio::detached);
  for (int i = 0; i < options.slowloris; ++i) {
    asio::co_spawn(io, runAttacker(context, AttackKind::Slowloris, i), asio::detached);
  }
  if (options.probeIntervalS > 0) asio::co_spawn(io, runHealthProbe(context), asio::detached);
  if (options.collectorPid > 0 || !options.collectorPidFile.empty()) {
    asio::co_spawn(io, sampleCollector(context), asio::detached);
  }
  io.run();

  FleetStats& stats = context.stats;
  stats.runSeconds = std::chrono::duration<double>(FleetContext::Clock::now() - context.start).count();
  for (const auto& agent : agents) stats.notDrained += agent->spooled() > 0 ? 1 : 0;
  for (AttackerStats* a : {&stats.idleTls, &stats.rawTcp, &stats.slowloris}) a->heldAtEnd += a->held;
  std::cout << stats.table() << std::flush;
  if (!options.jsonFile.empty()) {
    std::ofstream out(options.jsonFile);
    out << stats.json();
    if (!out) {
      std::cerr << "mamori-fleet-sim: cannot write " << options.jsonFile << "\n";
      return kExitSetup;
    }
  }
  const bool behind = context.returnedAt != FleetContext::Clock::time_point{} && context.agentsBehind > 0;
  const bool failed =
      stats.failures(Phase::Normal) > 0 || stats.enrolled < stats.agents || stats.notDrained > 0 || behind;
  if (options.failOnErrors && failed) {
    std::cerr << "mamori-fleet-sim: failed requests, agents not enrolled or spools not drained (see above)\n";
    return kExitFailed;
  }
  return 0;
}
