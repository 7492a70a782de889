#pragma once
// The fleet simulator's settings (mamori-fleet-sim --help lists them with their defaults).

#include <cstdint>
#include <string>

#include "common/Result.h"

namespace mamori::bench {

struct FleetOptions {
  std::string url;               // https://127.0.0.1:PORT (loopback only)
  std::string caFile;            // the collector's certificate, pinned
  std::string enrollSecretFile;  // the collector's enroll.secret
  int agents = 100;
  double rampS = 10;               // agents start spread uniformly over this time
  double heartbeatS = 60;          // heartbeat interval, jittered by +-heartbeatJitter
  double heartbeatJitter = 0.1;    // fraction of the interval
  double batchIntervalS = 300;     // each agent spools batchEvents events this often
  int batchEvents = 10;            // events per batch interval
  int maxBatchEvents = 2000;       // events per upload request (the agent's batch bound)
  double durationS = 60;           // how long agents run; then they drain and stop
  double drainTimeoutS = 120;      // how long agents may take to empty their spools at the end
  double requestTimeoutS = 30;     // per socket operation, like the agent's HttpsClient
  double keepAliveIdleS = 8;       // a kept connection idle longer than this is reopened (Poco's client)
  bool closeWhenDrained = true;    // the agent's habit: close when the spool is empty and only a heartbeat is due
  std::int64_t retryBaseMs = 500;  // full-jitter backoff, the agent's defaults
  std::int64_t retryCapMs = 60'000;
  int idleTls = 0;                // attackers: TLS handshake, then silence
  int rawTcp = 0;                 // attackers: TCP connect, no TLS hello
  int slowloris = 0;              // attackers: TLS, then request headers one line at a time
  double slowlorisIntervalS = 5;  // between two header lines
  std::string attackerSource;     // attackers connect from this loopback address ("" = the default)
  int agentHosts = 1;             // agents connect from this many loopback addresses (127.1.x.y)
  double probeIntervalS = 0;      // GET /healthz on a new connection this often (0: never)
  int collectorPid = 0;           // sampled for CPU and RSS
  std::string collectorPidFile;   // re-read at every sample (a collector restarted after an outage)
  std::string jsonFile;           // also write the figures as JSON here
  bool failOnErrors = false;      // exit 1 when a request failed outside an outage
  bool help = false;              // -h or --help: the caller prints the usage
};

// Parses argv with the common grammar (common/CommandLine: --name VALUE, --name=VALUE, --help).
common::Result<FleetOptions> parseFleetOptions(int argc, char** argv);
std::string fleetUsage();

}  // namespace mamori::bench
