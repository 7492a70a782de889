#pragma once
// Heartbeats written in batches instead of one transaction each (docs/decisions/0015). The HTTP
// layer authenticates and validates a heartbeat as before, then hands its update here and answers at
// once; a flusher thread writes every pending update in one transaction each interval, or sooner
// when flushAt agents are pending. Updates of one agent coalesce (the newer value of each field
// wins), so memory is bounded by the number of distinct agents, capped at maxPending.
//
// A failed flush keeps its updates for the next try (newer ones that arrived meanwhile still win)
// and is counted; stop() writes what is pending before it returns.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "collector/store/EventStore.h"

namespace mamori::collector::store {

struct HeartbeatBatcherOptions {
  std::chrono::milliseconds interval{1000};
  std::size_t flushAt = 2000;       // pending agents that start a flush before the interval is up
  std::size_t maxPending = 200000;  // distinct agents held; more are refused (the API answers 503)
};

class HeartbeatBatcher {
 public:
  HeartbeatBatcher(EventStore& store, HeartbeatBatcherOptions options = {});
  ~HeartbeatBatcher();  // stop()
  HeartbeatBatcher(const HeartbeatBatcher&) = delete;
  HeartbeatBatcher& operator=(const HeartbeatBatcher&) = delete;

  // Starts the flusher thread.
  void start();
  // Queues one agent's update; false when maxPending other agents are already waiting (the
  // database is behind: the caller answers 503 with Retry-After).
  bool submit(HeartbeatUpdate update);
  // Writes everything pending now, on the caller's thread (tests, shutdown).
  common::Status flush();
  // Stops the thread, then flushes once more. Idempotent.
  void stop();

  struct Stats {
    std::size_t pending = 0;
    std::uint64_t written = 0;   // agent updates written (coalesced)
    std::uint64_t received = 0;  // heartbeats submitted
    std::uint64_t flushes = 0;   // transactions committed
    std::uint64_t failures = 0;  // flushes that failed (their updates were kept)
    std::uint64_t refused = 0;   // submits refused because maxPending was reached
  };
  Stats stats() const;
  // Prometheus text lines for /metrics.
  std::string renderMetrics() const;

 private:
  void run();
  static void merge(HeartbeatUpdate& into, HeartbeatUpdate&& newer);

  EventStore& store_;
  HeartbeatBatcherOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, HeartbeatUpdate> pending_;
  std::mutex flushMutex_;  // one flush at a time (thread, flush(), stop())
  bool stopping_ = false;
  std::thread thread_;
  Stats stats_;
};

}  // namespace mamori::collector::store
