#pragma once
// Unclean stops: <state>/running exists while the agent runs and is removed by a clean stop. Found at
// start, it means the previous run ended without one (SIGKILL, crash, power loss, OOM kill) and the
// agent reports agent.unclean_stop.

#include <cstdint>
#include <optional>
#include <string>

#include "common/Result.h"

namespace mamori::agent::guard {

struct PreviousRun {
  std::int64_t pid = 0;        // 0 when the marker was unreadable
  std::int64_t startedMs = 0;  // 0 when the marker was unreadable
};

class RunMarker {
 public:
  explicit RunMarker(std::string stateDir) : path_(std::move(stateDir) + "/running") {}

  // Reads the marker a previous run left (if any), then writes this run's.
  common::Result<std::optional<PreviousRun>> markRunning(std::int64_t pid, std::int64_t nowMs);
  // A clean stop.
  common::Status clear();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mamori::agent::guard
