#include "collector/store/RetentionScheduler.h"

#include <sstream>

#include "common/Log.h"

namespace mamori::collector::store {

RetentionScheduler::RetentionScheduler(EventStore& store, RetentionPolicy policy, const common::Clock& clock,
                                       RetentionSchedule schedule)
    : store_(store),
      policy_(std::move(policy)),
      clock_(clock),
      schedule_(schedule),
      worker_(schedule.firstDelay, [this] { return run(); }) {}

std::chrono::milliseconds RetentionScheduler::run() {
  auto report = store_.enforceRetention(policy_, clock_.nowMs());
  std::lock_guard lock(mutex_);
  ++runs_;
  if (!report) {
    ++failures_;
    common::log::warning("retention: " + report.error().describe() + " (next try in " +
                         std::to_string(schedule_.interval.count() / 1000) + " s)");
    return schedule_.interval;
  }
  const auto& r = report.value();
  if (r.skipped) return schedule_.interval;  // another collector holds the lock
  deleted_ += static_cast<std::uint64_t>(r.deletedEvents);
  droppedPartitions_ += static_cast<std::uint64_t>(r.droppedPartitions);
  lastSuccessMs_ = clock_.nowMs();
  if (r.deletedEvents != 0 || r.droppedPartitions != 0 || r.createdPartitions != 0 || !r.complete) {
    common::log::info("retention: deleted " + std::to_string(r.deletedEvents) + " events, dropped " +
                      std::to_string(r.droppedPartitions) + " partitions, created " +
                      std::to_string(r.createdPartitions) + " partitions" +
                      (r.complete ? std::string() : "; more old events remain, continuing shortly"));
  }
  return r.complete ? schedule_.interval : schedule_.catchUpDelay;
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
