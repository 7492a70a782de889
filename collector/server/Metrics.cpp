#include "collector/server/Metrics.h"

#include <sstream>

namespace mamori::collector::server {

void Metrics::countRequest(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::countStored(std::uint64_t accepted, std::uint64_t duplicates) {
  std::lock_guard lock(mutex_);
  stored_ += accepted;
  duplicates_ += duplicates;
}

void Metrics::countRejectedBatch(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++rejected_[reason];
}

void Metrics::countStorageError() {
  std::lock_guard lock(mutex_);
  ++storageErrors_;
}

std::uint64_t Metrics::requests(const std::string& endpoint, int status) const {
  std::lock_guard lock(mutex_);
  const auto it = requests_.find({endpoint, status});
  return it == requests_.end() ? 0 : it->second;
}

std::uint64_t Metrics::rejectedBatches(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  const auto it = rejected_.find(reason);
  return it == rejected_.end() ? 0 : it->second;
}

std::string Metrics::render(std::optional<std::int64_t> agentsEnrolled,
                            std::optional<std::int64_t> agentsSilent) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP mamori_http_requests_total HTTP requests answered, by endpoint and status.\n"
         "# TYPE mamori_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "mamori_http_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second << "\"} " << count
        << '\n';
  }
  out << "# HELP mamori_events_stored_total Events newly stored.\n"
         "# TYPE mamori_events_stored_total counter\n"
         "mamori_events_stored_total "
      << stored_
      << "\n# HELP mamori_events_duplicate_total Events received again whose id was already stored.\n"
         "# TYPE mamori_events_duplicate_total counter\n"
         "mamori_events_duplicate_total "
      << duplicates_
      << "\n# HELP mamori_batches_rejected_total Event batches refused, by reason.\n"
         "# TYPE mamori_batches_rejected_total counter\n";
  for (const auto& [reason, count] : rejected_) {
    out << "mamori_batches_rejected_total{reason=\"" << reason << "\"} " << count << '\n';
  }
  out << "# HELP mamori_storage_errors_total Database operations that failed (answered 503).\n"
         "# TYPE mamori_storage_errors_total counter\n"
         "mamori_storage_errors_total "
      << storageErrors_ << '\n';
  if (agentsEnrolled) {
    out << "# HELP mamori_agents_enrolled Agents enrolled.\n# TYPE mamori_agents_enrolled gauge\n"
           "mamori_agents_enrolled "
        << *agentsEnrolled << '\n';
  }
  if (agentsSilent) {
    out << "# HELP mamori_agents_silent Agents not heard from for three heartbeat intervals.\n"
           "# TYPE mamori_agents_silent gauge\n"
           "mamori_agents_silent "
        << *agentsSilent << '\n';
  }
  if (extra_) out << extra_();
  return out.str();
}

}  // namespace mamori::collector::server
