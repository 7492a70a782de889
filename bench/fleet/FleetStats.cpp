#include "bench/fleet/FleetStats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mamori::bench {

namespace {

std::string format(const char* fmt, auto... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, fmt, args...);
  return buffer;
}

double median(std::vector<std::int64_t> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return static_cast<double>(values[values.size() / 2]);
}

}  // namespace

const char* kindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::Enroll: return "enroll";
    case RequestKind::Heartbeat: return "heartbeat";
    case RequestKind::Events: return "events";
    case RequestKind::Healthz: return "healthz";
  }
  return "?";
}

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Ok: return "ok";
    case Outcome::Throttled: return "throttled";
    case Outcome::Timeout: return "timeout";
    case Outcome::ConnectError: return "connect_error";
    case Outcome::TlsError: return "tls_error";
    case Outcome::IoError: return "io_error";
    case Outcome::Http4xx: return "http_4xx";
    case Outcome::Http5xx: return "http_5xx";
  }
  return "?";
}

bool isFailure(Outcome outcome) { return outcome != Outcome::Ok && outcome != Outcome::Throttled; }

void AttackerStats::open() {
  ++opened;
  maxHeld = std::max(maxHeld, ++held);
}

void AttackerStats::closed(std::int64_t ms, bool byServer) {
  --held;
  if (byServer) {
    ++closedByServer;
    heldMs.push_back(ms);
  }
}

void FleetStats::record(RequestKind kind, Phase phase, Outcome outcome, std::int64_t micros) {
  const auto k = static_cast<std::size_t>(kind);
  ++counts_[k][static_cast<std::size_t>(phase)][static_cast<std::size_t>(outcome)];
  if (phase == Phase::Normal) {
    micros_[k].push_back(micros);
    sorted_[k] = false;
  }
}

std::int64_t FleetStats::count(RequestKind kind, Phase phase, Outcome outcome) const {
  return counts_[static_cast<std::size_t>(kind)][static_cast<std::size_t>(phase)][static_cast<std::size_t>(outcome)];
}

std::int64_t FleetStats::failures(Phase phase) const {
  std::int64_t total = 0;
  for (int k = 0; k < kRequestKinds; ++k) {
    for (int o = 0; o < kOutcomes; ++o) {
      if (isFailure(static_cast<Outcome>(o)))
        total += count(static_cast<RequestKind>(k), phase, static_cast<Outcome>(o));
    }
  }
  return total;
}

double FleetStats::percentileMs(RequestKind kind, double p) const {
  const auto k = static_cast<std::size_t>(kind);
  auto& values = micros_[k];
  if (values.empty()) return -1;
  if (!sorted_[k]) {
    std::sort(values.begin(), values.end());
    sorted_[k] = true;
  }
  // Nearest rank.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  const std::size_t index = std::min(values.size() - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(values[index]) / 1000.0;
}

std::string FleetStats::table() const {
  std::ostringstream out;
  out << format("%-10s %8s %9s %9s %9s %9s %8s %8s %8s %8s %8s %8s %8s\n", "kind", "ok", "p50 ms", "p99 ms", "max ms",
                "throttled", "timeout", "connect", "tls", "io", "4xx", "5xx", "outage");
  for (int k = 0; k < kRequestKinds; ++k) {
    const auto kind = static_cast<RequestKind>(k);
    std::int64_t total = 0, outage = 0;
    for (int o = 0; o < kOutcomes; ++o) {
      total += count(kind, Phase::Normal, static_cast<Outcome>(o));
      outage += count(kind, Phase::Outage, static_cast<Outcome>(o));
    }
    if (total + outage == 0) continue;
    auto n = [&](Outcome o) { return static_cast<long long>(count(kind, Phase::Normal, o)); };
    out << format("%-10s %8lld %9.1f %9.1f %9.1f %9lld %8lld %8lld %8lld %8lld %8lld %8lld %8lld\n", kindName(kind),
                  n(Outcome::Ok), percentileMs(kind, 50), percentileMs(kind, 99), percentileMs(kind, 100),
                  n(Outcome::Throttled), n(Outcome::Timeout), n(Outcome::ConnectError), n(Outcome::TlsError),
                  n(Outcome::IoError), n(Outcome::Http4xx), n(Outcome::Http5xx), static_cast<long long>(outage));
  }
  out << format("run: %.1f s\n", runSeconds);
  out << format("failed requests: %lld (outside an outage), %lld during the outage\n",
                static_cast<long long>(failures(Phase::Normal)), static_cast<long long>(failures(Phase::Outage)));
  out << format(
      "agents: %d, enrolled %d, spools not drained %d; events made %lld, acknowledged %lld, "
      "largest spool %lld\n",
      agents, enrolled, notDrained, static_cast<long long>(eventsMade), static_cast<long long>(eventsAcked),
      static_cast<long long>(spoolPeak));
  if (drainSeconds >= 0) out << format("drained %.1f s after the collector returned\n", drainSeconds);
  for (const auto& [name, a] :
       {std::pair{"idle TLS", &idleTls}, std::pair{"raw TCP", &rawTcp}, std::pair{"slowloris", &slowloris}}) {
    if (a->opened + a->openFailures == 0) continue;
    const std::string after = a->heldMs.empty() ? "" : format(" (median after %.1f s)", median(a->heldMs) / 1000.0);
    out << format(
        "attackers %-9s: opened %d (failed %d), max held at once %d, closed by the collector %d%s, "
        "held at the end %d\n",
        name, a->opened, a->openFailures, a->maxHeld, a->closedByServer, after.c_str(), a->heldAtEnd);
  }
  if (!collector.empty()) {
    double cpuSum = 0, cpuMax = 0;
    std::int64_t rssMax = 0;
    int threadsMax = 0;
    for (const auto& s : collector) {
      cpuSum += s.cpuPercent;
      cpuMax = std::max(cpuMax, s.cpuPercent);
      rssMax = std::max(rssMax, s.rssKib);
      threadsMax = std::max(threadsMax, s.threads);
    }
    out << format(
        "collector: CPU mean %.0f%% max %.0f%% (of one core), RSS max %.1f MiB, end %.1f MiB, "
        "threads max %d (%zu samples)\n",
        cpuSum / static_cast<double>(collector.size()), cpuMax, static_cast<double>(rssMax) / 1024.0,
        static_cast<double>(collector.back().rssKib) / 1024.0, threadsMax, collector.size());
  }
  return out.str();
}

std::string FleetStats::json() const {
  std::ostringstream out;
  out << "{\"kinds\":{";
  for (int k = 0; k < kRequestKinds; ++k) {
    const auto kind = static_cast<RequestKind>(k);
    out << (k ? "," : "") << '"' << kindName(kind) << "\":{";
    out << format("\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f", percentileMs(kind, 50), percentileMs(kind, 99),
                  percentileMs(kind, 100));
    for (const auto& [phase, label] : {std::pair{Phase::Normal, "normal"}, std::pair{Phase::Outage, "outage"}}) {
      out << ",\"" << label << "\":{";
      for (int o = 0; o < kOutcomes; ++o) {
        out << (o ? "," : "") << '"' << outcomeName(static_cast<Outcome>(o))
            << "\":" << count(kind, phase, static_cast<Outcome>(o));
      }
      out << "}";
    }
    out << "}";
  }
  out << "},\"failures\":" << failures(Phase::Normal) << ",\"outage_failures\":" << failures(Phase::Outage);
  out << ",\"agents\":" << agents << ",\"enrolled\":" << enrolled << ",\"not_drained\":" << notDrained
      << ",\"events_made\":" << eventsMade << ",\"events_acked\":" << eventsAcked << ",\"spool_peak\":" << spoolPeak
      << format(",\"drain_s\":%.3f,\"run_s\":%.3f", drainSeconds, runSeconds);
  out << ",\"attackers\":{";
  bool first = true;
  for (const auto& [name, a] :
       {std::pair{"idle_tls", &idleTls}, std::pair{"raw_tcp", &rawTcp}, std::pair{"slowloris", &slowloris}}) {
    out << (first ? "" : ",") << '"' << name << "\":{\"opened\":" << a->opened
        << ",\"open_failures\":" << a->openFailures << ",\"max_held\":" << a->maxHeld
        << ",\"closed_by_server\":" << a->closedByServer
        << format(",\"median_held_s\":%.3f", median(a->heldMs) / 1000.0) << ",\"held_at_end\":" << a->heldAtEnd << "}";
    first = false;
  }
  out << "},\"collector\":[";
  for (std::size_t i = 0; i < collector.size(); ++i) {
    out << (i ? "," : "")
        << format("[%.1f,%lld,%d]", collector[i].cpuPercent, static_cast<long long>(collector[i].rssKib),
                  collector[i].threads);
  }
  out << "]}\n";
  return out.str();
}

}  // namespace mamori::bench
