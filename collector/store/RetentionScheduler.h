#pragma once
// Runs retention (EventStore::enforceRetention) on its own thread: shortly after start, then every
// interval; sooner again when a run stopped at its time budget with old events left. Several
// collectors may all run one: on PostgreSQL only the holder of the advisory lock works.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "collector/store/EventStore.h"
#include "collector/store/PeriodicWorker.h"
#include "common/Clock.h"

namespace mamori::collector::store {

struct RetentionSchedule {
  std::chrono::milliseconds firstDelay{10'000};
  std::chrono::milliseconds interval{3'600'000};
  std::chrono::milliseconds catchUpDelay{10'000};  // after a run that ran out of time
};

class RetentionScheduler {
 public:
  RetentionScheduler(EventStore& store, RetentionPolicy policy, const common::Clock& clock,
                     RetentionSchedule schedule = {});

  void start() { worker_.start(); }
  // Ends the thread; a run in progress finishes its current batch first.
  void stop() { worker_.stop(); }

  // Prometheus text lines for /metrics.
  std::string renderMetrics() const;

 private:
  std::chrono::milliseconds run();

  EventStore& store_;
  RetentionPolicy policy_;
  const common::Clock& clock_;
  RetentionSchedule schedule_;
  mutable std::mutex mutex_;  // the counters below
  std::uint64_t runs_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t deleted_ = 0;
  std::uint64_t droppedPartitions_ = 0;
  std::int64_t lastSuccessMs_ = 0;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace mamori::collector::store
