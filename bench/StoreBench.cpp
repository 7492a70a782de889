// mamori-bench-store: inserts N synthetic events in batches of B into a collector database through
// the same EventStore the collector uses, and prints events per second. With --heartbeats N it
// writes N heartbeats of --agents A agents instead: first one transaction each from 16 threads (the
// collector's request threads before heartbeat batching: the reference), then in batches of distinct
// agents as HeartbeatBatcher flushes them; it prints heartbeats per second of both.
//
//   mamori-bench-store --db sqlite:/tmp/bench.db --events 200000 --batch 1000
//   mamori-bench-store --db sqlite:/tmp/bench.db --heartbeats 20000 --agents 10000

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Uuid7.h"

namespace {

using mamori::collector::store::AgentRecord;
using mamori::collector::store::EventStore;
using mamori::collector::store::HeartbeatUpdate;
using mamori::collector::store::openEventStore;

struct Options {
  std::string db;
  std::size_t total = 200000;
  std::size_t batch = 1000;
  std::size_t heartbeats = 0;
  std::size_t agentCount = 10000;
};

std::vector<mamori::common::OptionRow> optionTable(Options& o) {
  namespace opt = mamori::common::opt;
  constexpr std::int64_t kMany = 1'000'000'000;
  return {
      {"--db", "URL", opt::text(o.db),
       "sqlite:PATH or postgresql://user@host:port/dbname (schema is created if missing)"},
      {"--events", "N", opt::integer(1, kMany, o.total), "events to insert (default 200000)"},
      {"--batch", "B", opt::integer(1, 5000, o.batch), "events per transaction (default 1000, at most 5000)"},
      {"--heartbeats", "N", opt::integer(1, kMany, o.heartbeats),
       "write N heartbeats instead: one transaction each, then batched"},
      {"--agents", "A", opt::integer(1, 1'000'000, o.agentCount),
       "agents the heartbeats come from (default 10000); a batch holds each agent once"},
  };
}

std::string usage(const mamori::common::CommandLine& line) {
  return "Usage: mamori-bench-store --db URL [--events N] [--batch B]\n"
         "       mamori-bench-store --db URL --heartbeats N [--agents A]\n"
         "\n"
         "Options:\n" +
         line.help(17) +
         "\n"
         "Prints: backend, events, batch, seconds, events/s; or per heartbeat mode: heartbeats/s.\n"
         "\n"
         "Exit status:\n"
         "  0  done\n"
         "  1  storage error\n"
         "  2  usage error\n";
}

// The collector's default request threads (--threads 16): how many heartbeats were written at once
// before batching.
constexpr std::size_t kRequestThreads = 16;

// Heartbeats of `agents` in turn; returns heartbeats per second, or a negative value on a storage error.
double heartbeatRun(EventStore& store, const std::vector<std::string>& agents, std::size_t total, bool batched,
                    double& cpu) {
  mamori::common::SystemClock clock;
  constexpr std::size_t kFlushAt = 2000;  // HeartbeatBatcher's default: a flush holds at most this many agents
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpuStart = std::clock();
  std::vector<HeartbeatUpdate> pending;
  for (std::size_t i = 0; i < total; ++i) {
    HeartbeatUpdate update{agents[i % agents.size()],          clock.nowMs(),        60000,
                           static_cast<std::int64_t>(i % 100), std::string("bench"), {}};
    if (!batched) break;  // written by the threads below
    pending.push_back(std::move(update));
    if (pending.size() == std::min(kFlushAt, agents.size()) || i + 1 == total) {
      auto done = store.recordHeartbeats(pending);
      if (!done || done.value() != pending.size()) return -1;
      pending.clear();
    }
  }
  if (!batched) {
    // As the collector wrote them before batching: each request thread its own transaction.
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kRequestThreads; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < total; i += kRequestThreads) {
          HeartbeatUpdate update{agents[i % agents.size()],          clock.nowMs(),        60000,
                                 static_cast<std::int64_t>(i % 100), std::string("bench"), {}};
          auto done = store.recordHeartbeat(update);
          if (!done || !done.value()) failed = true;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    if (failed) return -1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  cpu = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
  return static_cast<double>(total) / seconds;
}

int benchHeartbeats(EventStore& store, std::size_t total, std::size_t agentCount) {
  mamori::common::SystemClock clock;
  mamori::common::Uuid7Generator ids;
  std::vector<std::string> agents;
  for (std::size_t i = 0; i < agentCount; ++i) {
    agents.push_back(ids.next(clock.nowMs()));
    AgentRecord agent{agents.back(),
                      "bench-" + std::to_string(i),
                      "Debian",
                      "bench",
                      clock.nowMs(),
                      clock.nowMs(),
                      0,
                      0,
                      0,
                      "default",
                      {}};
    if (auto s = store.enrollAgent(agent, "bench-" + agents.back()); !s) {
      std::fprintf(stderr, "mamori-bench-store: %s\n", s.error().describe().c_str());
      return 1;
    }
  }
  for (const bool batched : {false, true}) {
    double cpu = 0;
    const double rate = heartbeatRun(store, agents, total, batched, cpu);
    if (rate < 0) {
      std::fprintf(stderr, "mamori-bench-store: a heartbeat was not written\n");
      return 1;
    }
    std::printf("backend=%s heartbeats=%zu agents=%zu mode=%s heartbeats_per_s=%.0f cpu_seconds=%.3f\n",
                store.backendName().c_str(), total, agentCount, batched ? "batched" : "per_transaction", rate, cpu);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  mamori::common::CommandLine line;
  line.table(optionTable(options));
  if (auto done = mamori::common::parseOrExit(line, {argv + 1, argv + argc}, "mamori-bench-store", usage(line))) {
    return *done;
  }
  if (options.db.empty()) return mamori::common::usageError("mamori-bench-store", "--db: is required");
  const std::string& db = options.db;
  const std::size_t total = options.total;
  const std::size_t batch = options.batch;
  const std::size_t heartbeats = options.heartbeats;
  const std::size_t agentCount = options.agentCount;
  mamori::collector::store::StoreOptions storeOptions;
  storeOptions.maxSessions = kRequestThreads + 2;  // as the collector sizes its pool
  auto opened = openEventStore(db, storeOptions);
  if (!opened) {
    std::fprintf(stderr, "mamori-bench-store: %s\n", opened.error().describe().c_str());
    return 1;
  }
  auto& store = *opened.value();
  if (heartbeats != 0) return benchHeartbeats(store, heartbeats, agentCount);
  mamori::common::SystemClock clock;
  mamori::common::Uuid7Generator ids;
  const std::string agentId = ids.next(clock.nowMs());
  AgentRecord agent{
      agentId, "bench-host", "Debian GNU/Linux 12", "bench", clock.nowMs(), clock.nowMs(), 0, 0, 0, "default", {}};
  if (auto s = store.enrollAgent(agent, "bench-" + agentId); !s) {
    std::fprintf(stderr, "mamori-bench-store: %s\n", s.error().describe().c_str());
    return 1;
  }

  // Events are built before the clock starts: the figure is the storage path alone.
  std::vector<std::vector<mamori::common::Event>> batches;
  for (std::size_t made = 0; made < total;) {
    std::vector<mamori::common::Event> events;
    for (std::size_t j = 0; j < batch && made < total; ++j, ++made) {
      mamori::common::Event e;
      e.timeMs = clock.nowMs();
      e.id = ids.next(e.timeMs);
      e.type = (made % 3 == 0) ? "file.copied" : "process.started";
      e.severity = mamori::common::Severity::Low;
      e.agentId = agentId;
      e.host = "bench-host";
      e.user = "alice";
      e.details->set("file.path", "/home/alice/Documents/report-" + std::to_string(made) + ".docx");
      e.details->set("process.pid", static_cast<int>(1000 + made % 30000));
      e.details->set("process.executable", "/usr/bin/cp");
      events.push_back(std::move(e));
    }
    batches.push_back(std::move(events));
  }

  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpuStart = std::clock();
  std::size_t stored = 0;
  for (const auto& events : batches) {
    auto counts = store.insertEvents(agentId, events, clock.nowMs());
    if (!counts) {
      std::fprintf(stderr, "mamori-bench-store: %s\n", counts.error().describe().c_str());
      return 1;
    }
    stored += counts.value().accepted;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // CPU seconds of this process too: on a busy machine wall time says little, and for PostgreSQL
  // it leaves out the server's share.
  const double cpu = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
  std::printf("backend=%s events=%zu batch=%zu seconds=%.3f events_per_s=%.0f cpu_seconds=%.3f\n",
              store.backendName().c_str(), stored, batch, seconds, static_cast<double>(stored) / seconds, cpu);
  return stored == total ? 0 : 1;
}
