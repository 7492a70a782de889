#include "bench/fleet/FleetOptions.h"

#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "common/CommandLine.h"

namespace mamori::bench {

const char* fleetUsage() {
  return R"(usage: mamori-fleet-sim --url https://127.0.0.1:PORT --ca-file CRT --enroll-secret-file FILE [options]

Simulates a fleet of mamori agents against one collector on this machine (loopback only): each agent
enrolls, then heartbeats and uploads event batches over one keep-alive TLS connection, the way
mamori-agent does, and attackers hold connections open. Prints latency per request kind, failures,
and the collector's CPU and memory.

  --agents N                 simulated agents (default 100)
  --ramp S                   start the agents spread over S seconds (default 10)
  --heartbeat S              heartbeat interval (default 60), jittered by --heartbeat-jitter
  --heartbeat-jitter F       fraction of the interval, e.g. 0.1 = +-10% (default 0.1)
  --batch-interval S         each agent spools --batch-events events every S seconds (default 300)
  --batch-events N           (default 10)
  --max-batch-events N       events per upload request (default 2000, the agent's)
  --duration S               run time after the first agent starts (default 60)
  --drain-timeout S          time the agents get to empty their spools at the end (default 120)
  --request-timeout S        per socket operation (default 30, the agent's)
  --keep-alive-idle S        reopen a kept connection idle longer than this (default 8, Poco's client)
  --keep-connections         old habit: never close the connection after a drained spool
  --retry-base-ms MS         full-jitter backoff base (default 500)
  --retry-cap-ms MS          full-jitter backoff cap (default 60000)
  --idle-tls K               K connections that finish the TLS handshake, then stay silent
  --raw-tcp K                K TCP connections that never send a TLS hello
  --slowloris K              K TLS connections that send request headers one line at a time
  --slowloris-interval S     between two header lines (default 5)
  --attacker-source ADDR     attackers connect from this loopback address (e.g. 127.0.0.2: one
                             hostile host beside the agents' 127.0.0.1; default: the same address)
  --agent-hosts N            agents connect from N loopback addresses, 127.1.0.1 and up (agent i
                             from the (i mod N)th), so that N simulated PCs meet the collector's
                             per-address limits as N real ones do (default 1: the default address)
  --probe-interval S         GET /healthz on a new connection every S seconds (default: never)
  --collector-pid PID        sample this process's CPU and RSS
  --collector-pid-file FILE  read the PID from FILE at every sample (a restarted collector)
  --json FILE                also write the figures to FILE
  --fail-on-errors           exit 1 if a request failed outside an outage (see below)

Outage: send SIGUSR1 when the collector goes down and SIGUSR2 when it is back; requests started in
between are counted apart, and agents keep spooling and retrying (they never give up).

Exit codes: 0 done; 1 failed requests, agents not enrolled or spools not drained (with
--fail-on-errors); 2 bad command line; 3 cannot start (CA file, secret file, address).
)";
}

namespace {

common::Result<double> number(std::string_view text, const std::string& option) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return common::makeError("expected a number >= 0, not \"" + std::string(text) + "\"", option);
  }
  return value;
}

}  // namespace

common::Result<FleetOptions> parseFleetOptions(int argc, char** argv) {
  FleetOptions o;
  common::CommandLine line;
  // Numbers may have a fraction (seconds, a jitter); counts are whole numbers from 0.
  auto seconds = [&line](const std::string& name, double& field) {
    line.option(name, [&field, name](const std::string& value) -> common::Status {
      auto parsed = number(value, name);
      if (!parsed) return parsed.error();
      field = parsed.value();
      return common::Ok{};
    });
  };
  auto count = [&line](const std::string& name, int& field) {
    line.option(name, [&field, name](const std::string& value) -> common::Status {
      auto parsed = common::parseInteger(value, 0, 1'000'000'000);
      if (!parsed) return common::makeError(parsed.error().message, name);
      field = static_cast<int>(parsed.value());
      return common::Ok{};
    });
  };
  line.text("--url", o.url)
      .text("--attacker-source", o.attackerSource)
      .text("--ca-file", o.caFile)
      .text("--enroll-secret-file", o.enrollSecretFile)
      .text("--collector-pid-file", o.collectorPidFile)
      .text("--json", o.jsonFile)
      .integer("--retry-base-ms", 0, 3'600'000, o.retryBaseMs)
      .integer("--retry-cap-ms", 0, 3'600'000, o.retryCapMs)
      .flag("--keep-connections", [&o] { o.closeWhenDrained = false; })
      .flag("--fail-on-errors", o.failOnErrors);
  for (auto [name, field] :
       {std::pair{"--ramp", &o.rampS}, std::pair{"--heartbeat", &o.heartbeatS},
        std::pair{"--heartbeat-jitter", &o.heartbeatJitter}, std::pair{"--batch-interval", &o.batchIntervalS},
        std::pair{"--duration", &o.durationS}, std::pair{"--drain-timeout", &o.drainTimeoutS},
        std::pair{"--request-timeout", &o.requestTimeoutS}, std::pair{"--keep-alive-idle", &o.keepAliveIdleS},
        std::pair{"--slowloris-interval", &o.slowlorisIntervalS}, std::pair{"--probe-interval", &o.probeIntervalS}}) {
    seconds(name, *field);
  }
  for (auto [name, field] :
       {std::pair{"--agents", &o.agents}, std::pair{"--batch-events", &o.batchEvents},
        std::pair{"--max-batch-events", &o.maxBatchEvents}, std::pair{"--idle-tls", &o.idleTls},
        std::pair{"--raw-tcp", &o.rawTcp}, std::pair{"--slowloris", &o.slowloris},
        std::pair{"--agent-hosts", &o.agentHosts}, std::pair{"--collector-pid", &o.collectorPid}}) {
    count(name, *field);
  }
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
  if (o.agentHosts < 1 || o.agentHosts > 60'000) {
    return common::makeError("expected 1 to 60000 addresses", "--agent-hosts");
  }
  if (o.durationS > 6 * 3600) return common::makeError("at most 6 hours (bounded load)", "--duration");
  if (o.heartbeatS <= 0 || o.batchIntervalS <= 0) return common::makeError("intervals must be > 0", "--heartbeat");
  if (o.maxBatchEvents < 1 || o.maxBatchEvents > 5000) {
    return common::makeError("expected 1 to 5000 (the collector's limit)", "--max-batch-events");
  }
  if (o.heartbeatJitter >= 1) return common::makeError("expected a fraction below 1", "--heartbeat-jitter");
  if (o.requestTimeoutS <= 0) return common::makeError("must be > 0", "--request-timeout");
  return o;
}

}  // namespace mamori::bench
