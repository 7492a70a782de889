#pragma once
// Bulk reads: one process reading at least `files` files or `bytes` bytes from watched trees within
// `seconds` (policy activity.bulk). Pure: the caller passes the times, so tests need no clock.
// Once reported, a process is quiet for one window, so one long copy gives one event per window.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "policy/ActivitySettings.h"

namespace mamori::agent::activity {

struct BulkFinding {
  pid_t pid = 0;
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t firstMs = 0;
  std::int64_t lastMs = 0;
  std::vector<std::string> samplePaths;  // the first few files of the window
};

class BulkTracker {
 public:
  explicit BulkTracker(policy::BulkThreshold threshold = {}) : threshold_(threshold) {}
  void setThreshold(policy::BulkThreshold threshold) { threshold_ = threshold; }

  std::optional<BulkFinding> add(pid_t pid, const std::string& path, std::int64_t bytes, std::int64_t nowMs);

  std::size_t trackedProcesses() const { return windows_.size(); }

 private:
  struct Read {
    std::int64_t timeMs;
    std::int64_t bytes;
  };
  struct Window {
    std::deque<Read> reads;
    std::int64_t bytes = 0;
    std::vector<std::string> samples;
    std::int64_t lastMs = 0;
    std::int64_t quietUntilMs = 0;  // after a report: nothing until a whole window has passed
  };

  void forgetIdle(std::int64_t nowMs);

  policy::BulkThreshold threshold_;
  std::unordered_map<pid_t, Window> windows_;
  std::int64_t lastSweepMs_ = 0;
};

}  // namespace mamori::agent::activity
