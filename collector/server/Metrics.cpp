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

void Metrics::countConnectionAccepted() {
  std::lock_guard lock(mutex_);
  ++accepted_;
}

void Metrics::countConnectionClosed(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++closed_[reason];
}

void Metrics::setQueue(std::size_t depth, std::size_t capacity) {
  queueDepth_ = static_cast<std::int64_t>(depth);
  queueCapacity_ = static_cast<std::int64_t>(capacity);
}

void Metrics::countOverload(int status, const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++overload_[{status, reason}];
}

void Metrics::observeLatency(const std::string& endpoint, double seconds) {
  std::lock_guard lock(mutex_);
  Histogram& histogram = latency_[endpoint];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

std::uint64_t Metrics::connectionsClosed(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  const auto it = closed_.find(reason);
  return it == closed_.end() ? 0 : it->second;
}

std::uint64_t Metrics::overloadAnswers(int status, const std::string& reason) const {
  std::lock_guard lock(mutex_);
  const auto it = overload_.find({status, reason});
  return it == overload_.end() ? 0 : it->second;
}

std::uint64_t Metrics::latencyCount(const std::string& endpoint) const {
  std::lock_guard lock(mutex_);
  const auto it = latency_.find(endpoint);
  return it == latency_.end() ? 0 : it->second.count;
}

void Metrics::renderConnections(std::ostream& out) const {
  out << "# HELP mamori_connections_open TLS connections open now.\n"
         "# TYPE mamori_connections_open gauge\n"
         "mamori_connections_open "
      << openConnections_.load()
      << "\n# HELP mamori_connections_accepted_total TCP connections accepted.\n"
         "# TYPE mamori_connections_accepted_total counter\n"
         "mamori_connections_accepted_total "
      << accepted_
      << "\n# HELP mamori_connections_closed_total Connections closed by the collector or the client, by reason.\n"
         "# TYPE mamori_connections_closed_total counter\n";
  for (const auto& [reason, count] : closed_) {
    out << "mamori_connections_closed_total{reason=\"" << reason << "\"} " << count << '\n';
  }
  out << "# HELP mamori_handshakes_waiting Connections waiting for a TLS handshake slot of their address.\n"
         "# TYPE mamori_handshakes_waiting gauge\n"
         "mamori_handshakes_waiting "
      << handshakesWaiting_.load()
      << "\n# HELP mamori_handshakes_in_progress TLS handshakes running (a slot of their address taken).\n"
         "# TYPE mamori_handshakes_in_progress gauge\n"
         "mamori_handshakes_in_progress "
      << handshakesInProgress_.load() << '\n';
  out << "# HELP mamori_worker_queue_depth Requests waiting for a worker thread.\n"
         "# TYPE mamori_worker_queue_depth gauge\n"
         "mamori_worker_queue_depth "
      << queueDepth_.load()
      << "\n# HELP mamori_worker_queue_capacity Requests that may wait before the collector answers 503.\n"
         "# TYPE mamori_worker_queue_capacity gauge\n"
         "mamori_worker_queue_capacity "
      << queueCapacity_.load()
      << "\n# HELP mamori_overload_answers_total 503 and 429 answers that ask the client to come back later, by "
         "reason.\n"
         "# TYPE mamori_overload_answers_total counter\n";
  for (const auto& [key, count] : overload_) {
    out << "mamori_overload_answers_total{status=\"" << key.first << "\",reason=\"" << key.second << "\"} " << count
        << '\n';
  }
  out << "# HELP mamori_request_duration_seconds From a request's complete header to its answer written, by "
         "endpoint.\n"
         "# TYPE mamori_request_duration_seconds histogram\n";
  for (const auto& [endpoint, histogram] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      out << "mamori_request_duration_seconds_bucket{endpoint=\"" << endpoint << "\",le=\"" << kLatencyBuckets[i]
          << "\"} " << cumulative << '\n';
    }
    out << "mamori_request_duration_seconds_bucket{endpoint=\"" << endpoint << "\",le=\"+Inf\"} " << histogram.count
        << "\nmamori_request_duration_seconds_sum{endpoint=\"" << endpoint << "\"} " << histogram.sum
        << "\nmamori_request_duration_seconds_count{endpoint=\"" << endpoint << "\"} " << histogram.count << '\n';
  }
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
  renderConnections(out);
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
