#pragma once
// What the simulator measured: latency per request kind, failures by cause, the attackers' fate and
// the collector's CPU and memory. Single-threaded (the simulator runs one io_context thread).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mamori::bench {

enum class RequestKind { Enroll, Heartbeat, Events, Healthz };
constexpr int kRequestKinds = 4;
const char* kindName(RequestKind kind);

// How a request ended. Throttled (429 or 503, retried after Retry-After) is backpressure, not failure.
enum class Outcome { Ok, Throttled, Timeout, ConnectError, TlsError, IoError, Http4xx, Http5xx };
constexpr int kOutcomes = 8;
const char* outcomeName(Outcome outcome);
bool isFailure(Outcome outcome);

// Requests started while the collector was announced down (SIGUSR1..SIGUSR2) are counted apart.
enum class Phase { Normal, Outage };

struct AttackerStats {
  int opened = 0;          // connections established (TLS done for the TLS kinds)
  int openFailures = 0;    // could not connect or finish the handshake
  int closedByServer = 0;  // the collector ended the connection
  int heldAtEnd = 0;       // still open when the run ended
  int maxHeld = 0;
  int held = 0;
  std::vector<std::int64_t> heldMs;  // how long each server-closed connection lasted

  void open();
  void closed(std::int64_t ms, bool byServer);
};

struct CollectorSample {
  double cpuPercent = 0;  // of one core, over the last interval
  std::int64_t rssKib = 0;
  int threads = 0;
};

class FleetStats {
 public:
  void record(RequestKind kind, Phase phase, Outcome outcome, std::int64_t micros);

  std::int64_t count(RequestKind kind, Phase phase, Outcome outcome) const;
  std::int64_t failures(Phase phase) const;  // isFailure outcomes
  // Percentile (0..100) in milliseconds over the normal phase, all outcomes; -1 without samples.
  double percentileMs(RequestKind kind, double p) const;

  AttackerStats idleTls, rawTcp, slowloris;
  std::vector<CollectorSample> collector;
  int agents = 0;
  int enrolled = 0;
  int notDrained = 0;
  std::int64_t eventsMade = 0;
  std::int64_t eventsAcked = 0;
  std::int64_t spoolPeak = 0;  // the most events one agent held at once
  double drainSeconds = -1;    // from the collector's return (SIGUSR2) to every spool empty
  double runSeconds = 0;

  std::string table() const;  // for people
  std::string json() const;   // for bench/fleet.py

 private:
  std::array<std::array<std::array<std::int64_t, kOutcomes>, 2>, kRequestKinds> counts_{};
  mutable std::array<std::vector<std::int64_t>, kRequestKinds> micros_;
  mutable std::array<bool, kRequestKinds> sorted_{};
};

}  // namespace mamori::bench
