#include "collector/store/RetentionScheduler.h"

#include <sstream>

#include "common/Log.h"

namespace mamori::collector::store {

RetentionScheduler::RetentionScheduler(EventStore& store, RetentionPolicy policy, const common::Clock& clock,
                                       RetentionSchedule schedule)
    : store_(store), policy_(std::move(policy)), clock_(clock), schedule_(schedule) {}

RetentionScheduler::~RetentionScheduler() { stop(); }

void RetentionScheduler::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void RetentionScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionScheduler::run() {
  auto delay = schedule_.firstDelay;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, delay, [this] { return stopping_; })) {
    lock.unlock();
    auto report = store_.enforceRetention(policy_, clock_.nowMs());
    lock.lock();
    delay = schedule_.interval;
    ++runs_;
    if (!report) {
      ++failures_;
      common::log::warning("retention: " + report.error().describe() + " (next try in " +
                           std::to_string(schedule_.interval.count() / 1000) + " s)");
      continue;
    }
    const auto& r = report.value();
    if (r.skipped) continue;  // another collector holds the lock
    deleted_ += static_cast<std::uint64_t>(r.deletedEvents);
    droppedPartitions_ += static_cast<std::uint64_t>(r.droppedPartitions);
    lastSuccessMs_ = clock_.nowMs();
    if (r.deletedEvents != 0 || r.droppedPartitions != 0 || r.createdPartitions != 0 || !r.complete) {
      common::log::info("retention: deleted " + std::to_string(r.deletedEvents) + " events, dropped " +
                        std::to_string(r.droppedPartitions) + " partitions, created " +
                        std::to_string(r.createdPartitions) + " partitions" +
                        (r.complete ? std::string() : "; more old events remain, continuing shortly"));
    }
    if (!r.complete) delay = schedule_.catchUpDelay;
  }
}

std::string RetentionScheduler::renderMetrics() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP mamori_retention_runs_total Retention runs (including ones another collector did instead).\n"
         "# TYPE mamori_retention_runs_total counter\n"
         "mamori_retention_runs_total "
      << runs_
      << "\n# HELP mamori_retention_failures_total Retention runs that failed.\n"
         "# TYPE mamori_retention_failures_total counter\n"
         "mamori_retention_failures_total "
      << failures_
      << "\n# HELP mamori_retention_deleted_events_total Events deleted row by row for retention.\n"
         "# TYPE mamori_retention_deleted_events_total counter\n"
         "mamori_retention_deleted_events_total "
      << deleted_
      << "\n# HELP mamori_retention_dropped_partitions_total Weekly event partitions dropped for retention.\n"
         "# TYPE mamori_retention_dropped_partitions_total counter\n"
         "mamori_retention_dropped_partitions_total "
      << droppedPartitions_
      << "\n# HELP mamori_retention_last_success_seconds When this collector last completed a retention run.\n"
         "# TYPE mamori_retention_last_success_seconds gauge\n"
         "mamori_retention_last_success_seconds "
      << lastSuccessMs_ / 1000 << '\n';
  return out.str();
}

}  // namespace mamori::collector::store
