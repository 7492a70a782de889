#pragma once
// Counters for GET /metrics (Prometheus text format). Per process: two collectors on one database
// each count their own requests, and a scraper sums them.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
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

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> rejected_;
  std::uint64_t stored_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t storageErrors_ = 0;
  std::function<std::string()> extra_;
};

}  // namespace mamori::collector::server
