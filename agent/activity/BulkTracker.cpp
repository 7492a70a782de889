#include "agent/activity/BulkTracker.h"

namespace mamori::agent::activity {

namespace {
constexpr std::size_t kSamples = 5;
}

std::optional<BulkFinding> BulkTracker::add(pid_t pid, const std::string& path, std::int64_t bytes,
                                            std::int64_t nowMs) {
  forgetIdle(nowMs);
  const std::int64_t windowMs = threshold_.seconds * 1000;
  Window& window = windows_[pid];
  window.lastMs = nowMs;
  if (nowMs < window.quietUntilMs) return std::nullopt;  // reported: one event per window
  while (!window.reads.empty() && window.reads.front().timeMs <= nowMs - windowMs) {
    window.bytes -= window.reads.front().bytes;
    window.reads.pop_front();
  }
  if (window.reads.empty()) window.samples.clear();
  window.reads.push_back({nowMs, bytes});
  window.bytes += bytes;
  if (window.samples.size() < kSamples) window.samples.push_back(path);
  const auto files = static_cast<std::int64_t>(window.reads.size());
  if (files < threshold_.files && window.bytes < threshold_.bytes) return std::nullopt;
  BulkFinding finding{pid, files, window.bytes, window.reads.front().timeMs, nowMs, std::move(window.samples)};
  window.reads.clear();
  window.samples.clear();
  window.bytes = 0;
  window.quietUntilMs = nowMs + windowMs;
  return finding;
}

// Processes that read nothing for a whole window are forgotten (pids are reused; memory stays bounded).
void BulkTracker::forgetIdle(std::int64_t nowMs) {
  const std::int64_t windowMs = threshold_.seconds * 1000;
  if (nowMs - lastSweepMs_ < windowMs) return;
  lastSweepMs_ = nowMs;
  for (auto it = windows_.begin(); it != windows_.end();) {
    it = it->second.lastMs <= nowMs - windowMs ? windows_.erase(it) : std::next(it);
  }
}

}  // namespace mamori::agent::activity
