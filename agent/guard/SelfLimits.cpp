#include "agent/guard/SelfLimits.h"

#include <algorithm>

namespace mamori::agent::guard {

void LimitJudge::setLimits(LimitSettings settings) {
  settings_ = settings;
  cpuStreak_ = 0;
  memoryStreak_ = 0;
  cpuStreakSum_ = 0;
  streakTicksByName_.clear();
  streakMs_ = 0;
}

std::optional<LimitBreach> LimitJudge::observe(std::int64_t nowMs, const drivers::ProcessUsage& usage) {
  std::map<std::int64_t, std::uint64_t> ticks;
  windowTicksByName_.clear();
  std::uint64_t windowTicks = 0;
  for (const auto& thread : usage.threads) {
    ticks[thread.tid] = thread.cpuTicks;
    // A thread started in this window counts from zero; one whose counter went back is a reused tid.
    const auto before = lastTicks_.find(thread.tid);
    const std::uint64_t base = before != lastTicks_.end() && before->second <= thread.cpuTicks ? before->second : 0;
    const std::uint64_t used = haveBaseline_ ? thread.cpuTicks - base : 0;
    windowTicks += used;
    windowTicksByName_[thread.name] += used;
  }
  lastTicks_ = std::move(ticks);
  const std::int64_t elapsedMs = nowMs - lastMs_;
  lastMs_ = nowMs;
  if (!haveBaseline_ || elapsedMs <= 0) {
    haveBaseline_ = true;
    return std::nullopt;
  }
  const double tickMs = 1000.0 / static_cast<double>(std::max<std::int64_t>(usage.ticksPerSecond, 1));
  lastCpuPercent_ = static_cast<double>(windowTicks) * tickMs * 100.0 / static_cast<double>(elapsedMs);

  const bool starting = windowsSeen_++ < settings_.startupGraceWindows;
  if (!starting && settings_.cpuPercent > 0 && lastCpuPercent_ > static_cast<double>(settings_.cpuPercent)) {
    ++cpuStreak_;
    cpuStreakSum_ += lastCpuPercent_;
    streakMs_ += elapsedMs;
    for (const auto& [name, used] : windowTicksByName_) streakTicksByName_[name] += used;
  } else {
    cpuStreak_ = 0;
    cpuStreakSum_ = 0;
    streakMs_ = 0;
    streakTicksByName_.clear();
  }
  const double residentMib = static_cast<double>(usage.residentKib) / 1024.0;
  memoryStreak_ =
      settings_.memoryMib > 0 && residentMib > static_cast<double>(settings_.memoryMib) ? memoryStreak_ + 1 : 0;

  const int needed = std::max(settings_.windows, 1);
  std::optional<LimitBreach> breach;
  // The busiest thread: over the CPU streak, else over this window (a memory breach).
  const auto& byName = cpuStreak_ > 0 ? streakTicksByName_ : windowTicksByName_;
  const std::int64_t spanMs = cpuStreak_ > 0 ? streakMs_ : elapsedMs;
  auto busiest =
      std::max_element(byName.begin(), byName.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  if (cpuStreak_ >= needed) {
    breach = LimitBreach{"cpu", cpuStreakSum_ / cpuStreak_, settings_.cpuPercent, cpuStreak_, "", 0};
  } else if (memoryStreak_ >= needed) {
    breach = LimitBreach{"memory", residentMib, settings_.memoryMib, memoryStreak_, "", 0};
  }
  if (breach) {
    if (busiest != byName.end()) {
      breach->component = busiest->first;
      breach->componentCpuPercent = static_cast<double>(busiest->second) * tickMs * 100.0 / static_cast<double>(spanMs);
    }
    setLimits(settings_);  // once per streak
  }
  return breach;
}

}  // namespace mamori::agent::guard
