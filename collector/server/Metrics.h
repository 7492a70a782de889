#pragma once
// Counters for GET /metrics (Prometheus text format). Per process: two collectors on one database
// each count their own requests, and a scraper sums them.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace mamori::collector::server {

class Metrics {
 public:
  void countRequest(const std::string& endpoint, int status);
  void countStored(std::uint64_t accepted, std::uint64_t duplicates);
  void countRejectedBatch(const std::string& reason);
  void countStorageError();

  // Gauges come from the database at scrape time; nullopt when it did not answer.
  std::string render(std::optional<std::int64_t> agentsEnrolled, std::optional<std::int64_t> agentsSilent) const;

  // More lines for render() from another part of the collector (the SIEM forwarders' lag), asked
  // at every scrape. Set once at start, before the server runs.
  void setExtraSource(std::function<std::string()> source) { extra_ = std::move(source); }

  std::uint64_t requests(const std::string& endpoint, int status) const;
  std::uint64_t rejectedBatches(const std::string& reason) const;

  // The connection layer (CollectorServer): connections, closes by reason, the worker queue, answers
  // given without the API (503 queue full, 431 ...) and the time from a request's complete header
  // to its answer written, per endpoint.
  void countConnectionAccepted();
  void countConnectionClosed(const std::string& reason);
  void setOpenConnections(std::int64_t open) { openConnections_ = open; }
  void setHandshakes(std::size_t waiting, std::size_t inProgress) {
    handshakesWaiting_ = static_cast<std::int64_t>(waiting);
    handshakesInProgress_ = static_cast<std::int64_t>(inProgress);
  }
  void setQueue(std::size_t depth, std::size_t capacity);
  void setQueueDepth(std::size_t depth) { queueDepth_ = static_cast<std::int64_t>(depth); }
  void countOverload(int status, const std::string& reason);
  void observeLatency(const std::string& endpoint, double seconds);

  std::uint64_t connectionsClosed(const std::string& reason) const;
  std::uint64_t overloadAnswers(int status, const std::string& reason) const;
  std::uint64_t latencyCount(const std::string& endpoint) const;
  std::int64_t openConnections() const { return openConnections_; }
  std::int64_t handshakesWaiting() const { return handshakesWaiting_; }
  std::int64_t handshakesInProgress() const { return handshakesInProgress_; }
  std::int64_t queueDepth() const { return queueDepth_; }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> rejected_;
  std::uint64_t stored_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t storageErrors_ = 0;
  std::function<std::string()> extra_;

  static constexpr std::array<double, 12> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5,   1,    2.5,   5,    10,  30};
  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};  // cumulative at render time
    std::uint64_t count = 0;
    double sum = 0;
  };
  void renderConnections(std::ostream& out) const;  // mutex_ held
  std::uint64_t accepted_ = 0;
  std::map<std::string, std::uint64_t> closed_;
  std::map<std::pair<int, std::string>, std::uint64_t> overload_;
  std::map<std::string, Histogram> latency_;
  std::atomic<std::int64_t> openConnections_{0};
  std::atomic<std::int64_t> handshakesWaiting_{0};
  std::atomic<std::int64_t> handshakesInProgress_{0};
  std::atomic<std::int64_t> queueDepth_{0};
  std::atomic<std::int64_t> queueCapacity_{0};
};

}  // namespace mamori::collector::server
