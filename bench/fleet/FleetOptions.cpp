#include "bench/fleet/FleetOptions.h"

#include <vector>

#include "common/CommandLine.h"

namespace mamori::bench {

namespace {

// Seconds, fractions and counts of the simulator; bounded loads are checked after parsing.
constexpr double kMaxSeconds = 7 * 86'400;
constexpr std::int64_t kMaxCount = 10'000'000;

// The options, their readers and their help: one table for the parser and --help.
std::vector<common::OptionRow> optionTable(FleetOptions& o) {
  namespace opt = common::opt;
  return {
      {"--url", "URL", opt::text(o.url), "the collector, https://127.0.0.1:PORT (loopback only)"},
      {"--ca-file", "CRT", opt::text(o.caFile), "the collector's certificate, pinned"},
      {"--enroll-secret-file", "FILE", opt::text(o.enrollSecretFile), "the collector's enroll.secret"},
      {"--agents", "N", opt::integer(0, kMaxCount, o.agents), "simulated agents (default 100)"},
      {"--ramp", "S", opt::decimal(0, kMaxSeconds, o.rampS), "start the agents spread over S seconds (default 10)"},
      {"--heartbeat", "S", opt::decimal(0, kMaxSeconds, o.heartbeatS),
       "heartbeat interval (default 60), jittered by --heartbeat-jitter"},
      {"--heartbeat-jitter", "F", opt::decimal(0, 1, o.heartbeatJitter),
       "fraction of the interval, e.g. 0.1 = +-10% (default 0.1)"},
      {"--batch-interval", "S", opt::decimal(0, kMaxSeconds, o.batchIntervalS),
       "each agent spools --batch-events events every S seconds (default 300)"},
      {"--batch-events", "N", opt::integer(0, kMaxCount, o.batchEvents), "(default 10)"},
      {"--max-batch-events", "N", opt::integer(1, 5000, o.maxBatchEvents),
       "events per upload request, at most 5000 (default 2000, the agent's)"},
      {"--duration", "S", opt::decimal(0, kMaxSeconds, o.durationS),
       "run time after the first agent starts (default 60)"},
      {"--drain-timeout", "S", opt::decimal(0, kMaxSeconds, o.drainTimeoutS),
       "time the agents get to empty their spools at the end (default 120)"},
      {"--request-timeout", "S", opt::decimal(0, kMaxSeconds, o.requestTimeoutS),
       "per socket operation (default 30, the agent's)"},
      {"--keep-alive-idle", "S", opt::decimal(0, kMaxSeconds, o.keepAliveIdleS),
       "reopen a kept connection idle longer than this (default 8, Poco's client)"},
      {"--keep-connections", "", opt::flag([&o] { o.closeWhenDrained = false; }),
       "old habit: never close the connection after a drained spool"},
      {"--retry-base-ms", "MS", opt::integer(0, 3'600'000, o.retryBaseMs), "full-jitter backoff base (default 500)"},
      {"--retry-cap-ms", "MS", opt::integer(0, 3'600'000, o.retryCapMs), "full-jitter backoff cap (default 60000)"},
      {"--idle-tls", "K", opt::integer(0, kMaxCount, o.idleTls),
       "K connections that finish the TLS handshake, then stay silent"},
      {"--raw-tcp", "K", opt::integer(0, kMaxCount, o.rawTcp), "K TCP connections that never send a TLS hello"},
      {"--slowloris", "K", opt::integer(0, kMaxCount, o.slowloris),
       "K TLS connections that send request headers one line at a time"},
      {"--slowloris-interval", "S", opt::decimal(0, kMaxSeconds, o.slowlorisIntervalS),
       "between two header lines (default 5)"},
      {"--attacker-source", "ADDR", opt::text(o.attackerSource),
       "attackers connect from this loopback address (e.g. 127.0.0.2: one\nhostile host beside the agents' "
       "127.0.0.1; default: the same address)"},
      {"--agent-hosts", "N", opt::integer(1, 60'000, o.agentHosts),
       "agents connect from N loopback addresses, 127.1.0.1 and up (agent i\nfrom the (i mod N)th), so that N "
       "simulated PCs meet the collector's\nper-address limits as N real ones do (default 1: the default address)"},
      {"--probe-interval", "S", opt::decimal(0, kMaxSeconds, o.probeIntervalS),
       "GET /healthz on a new connection every S seconds (default: never)"},
      {"--collector-pid", "PID", opt::integer(0, kMaxCount, o.collectorPid), "sample this process's CPU and RSS"},
      {"--collector-pid-file", "FILE", opt::text(o.collectorPidFile),
       "read the PID from FILE at every sample (a restarted collector)"},
      {"--json", "FILE", opt::text(o.jsonFile), "also write the figures to FILE"},
      {"--fail-on-errors", "", opt::flag(o.failOnErrors), "exit 1 if a request failed outside an outage (see below)"},
  };
}

}  // namespace

std::string fleetUsage() {
  FleetOptions unused;
  common::CommandLine line;
  line.table(optionTable(unused));
  return "Usage: mamori-fleet-sim --url https://127.0.0.1:PORT --ca-file CRT --enroll-secret-file FILE [options]\n"
         "\n"
         "Simulates a fleet of mamori agents against one collector on this machine (loopback only): each agent\n"
         "enrolls, then heartbeats and uploads event batches over one keep-alive TLS connection, the way\n"
         "mamori-agent does, and attackers hold connections open. Prints latency per request kind, failures,\n"
         "and the collector's CPU and memory.\n"
         "\n"
         "Options:\n" +
         line.help(29) +
         "\n"
         "Outage: send SIGUSR1 when the collector goes down and SIGUSR2 when it is back; requests started in\n"
         "between are counted apart, and agents keep spooling and retrying (they never give up).\n"
         "\n"
         "Exit status:\n"
         "  0  done\n"
         "  1  failed requests, agents not enrolled or spools not drained (with --fail-on-errors)\n"
         "  2  usage error\n"
         "  3  cannot start (CA file, secret file, address)\n";
}

common::Result<FleetOptions> parseFleetOptions(int argc, char** argv) {
  FleetOptions o;
  common::CommandLine line;
  line.table(optionTable(o));
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (auto parsed = line.parse(args, o.help); !parsed) return parsed.error();
  if (o.help) return o;
  if (o.url.empty()) return common::makeError("is required", "--url");
  if (o.caFile.empty()) return common::makeError("is required (the collector's certificate)", "--ca-file");
  if (o.agents > 0 && o.enrollSecretFile.empty()) return common::makeError("is required", "--enroll-secret-file");
  if (o.agents > 20'000 || o.idleTls + o.rawTcp + o.slowloris > 20'000) {
    return common::makeError("at most 20000 agents and 20000 attackers (bounded load)", "--agents");
  }
  if (!o.attackerSource.empty() && o.attackerSource.rfind("127.", 0) != 0) {
    return common::makeError("expected a loopback address (127.x.y.z)", "--attacker-source");
  }
  if (o.durationS > 6 * 3600) return common::makeError("at most 6 hours (bounded load)", "--duration");
  if (o.heartbeatS <= 0 || o.batchIntervalS <= 0) return common::makeError("intervals must be > 0", "--heartbeat");
  if (o.heartbeatJitter >= 1) return common::makeError("expected a fraction below 1", "--heartbeat-jitter");
  if (o.requestTimeoutS <= 0) return common::makeError("must be > 0", "--request-timeout");
  return o;
}

}  // namespace mamori::bench
