#include "scan/CpuBudget.h"

#include <time.h>

#include <algorithm>
#include <optional>

namespace mamori::scan {

namespace {

std::int64_t readClockNs(clockid_t id) {
  timespec ts{};
  if (::clock_gettime(id, &ts) != 0) return 0;  // cannot happen for these two clocks on Linux
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t toNs(std::chrono::milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
}

}  // namespace

CpuBudgetClocks CpuBudgetClocks::system() {
  return {[] { return readClockNs(CLOCK_PROCESS_CPUTIME_ID); }, [] { return readClockNs(CLOCK_MONOTONIC); }, {}};
}

CpuBudget::CpuBudget(std::int64_t limitPercent, CpuBudgetClocks clocks, CpuBudgetOptions options)
    : clocks_(std::move(clocks)), options_(options), limitPercent_(limitPercent) {}

void CpuBudget::setLimitPercent(std::int64_t limitPercent) { limitPercent_ = limitPercent; }

std::int64_t CpuBudget::sleepNeededNs() {
  const std::lock_guard lock(mutex_);
  return neededLocked(clocks_.wallNs(), clocks_.cpuNs() + chargedNs_.load());
}

std::int64_t CpuBudget::neededLocked(std::int64_t now, std::int64_t cpu) {
  const std::int64_t window = toNs(options_.window);
  if (samples_.empty() || now - samples_.back().wallNs >= toNs(options_.granularity)) samples_.push_back({now, cpu});
  // Keep one sample at or before the window's start so the CPU used there can be interpolated.
  while (samples_.size() >= 2 && samples_[1].wallNs <= now - window) samples_.pop_front();

  const std::int64_t limit = limitPercent_.load();
  if (limit <= 0) return 0;
  const double share = static_cast<double>(limit) / 100.0 * options_.fraction;  // of one core
  return std::max(neededFor(window, share, now, cpu), neededFor(toNs(options_.shortWindow), share, now, cpu));
}

std::int64_t CpuBudget::neededFor(std::int64_t window, double share, std::int64_t now, std::int64_t cpu) const {
  // cpu(t) is the process CPU time at wall time t: piecewise linear through the samples and (now, cpu),
  // flat before the first sample (nothing is known before the budget started). The window ending after
  // a sleep of s holds cpu - cpu(now - window + s) (no CPU is assumed during the sleep); the smallest
  // s for which that is within share * window is the answer.
  const double target = static_cast<double>(cpu) - share * static_cast<double>(window);
  const std::int64_t windowStart = now - window;
  Sample previous = samples_.front();
  if (static_cast<double>(previous.cpuNs) >= target) return 0;
  auto consider = [&](const Sample& next) -> std::optional<std::int64_t> {
    if (static_cast<double>(next.cpuNs) < target) {
      previous = next;
      return std::nullopt;
    }
    // cpu reaches the target inside (previous, next]: interpolate where.
    const double rise = static_cast<double>(next.cpuNs - previous.cpuNs);
    const double part = (target - static_cast<double>(previous.cpuNs)) / rise;  // rise > 0 here
    const auto reached =
        previous.wallNs + static_cast<std::int64_t>(part * static_cast<double>(next.wallNs - previous.wallNs));
    return std::max<std::int64_t>(0, reached - windowStart);
  };
  for (std::size_t i = 1; i < samples_.size(); ++i) {
    if (auto s = consider(samples_[i])) return *s;
  }
  if (auto s = consider({now, cpu})) return *s;
  return 0;  // only when share * window is negative, which limit > 0 rules out
}

void CpuBudget::interrupt() {
  // Under the mutex, so a pace() between its check and its wait cannot miss the wake-up.
  const std::lock_guard lock(mutex_);
  ++wakeGeneration_;
  wake_.notify_all();
}

std::int64_t CpuBudget::pace(const std::atomic<bool>* stop) {
  ++paceCalls_;
  std::uint64_t generation = 0;
  {
    const std::lock_guard lock(mutex_);
    generation = wakeGeneration_;
  }
  std::int64_t slept = 0;
  for (;;) {
    if (stop != nullptr && stop->load()) break;
    const std::int64_t needed = sleepNeededNs();
    if (needed <= 0) break;
    const std::int64_t slice = std::min(needed, toNs(options_.maxSlice));
    const std::int64_t before = clocks_.wallNs();
    bool interrupted = false;
    if (clocks_.sleepNs) {
      clocks_.sleepNs(slice);
      const std::lock_guard lock(mutex_);
      interrupted = wakeGeneration_ != generation;
    } else {
      std::unique_lock lock(mutex_);
      interrupted = wake_.wait_for(lock, std::chrono::nanoseconds(slice),
                                   [&] { return wakeGeneration_ != generation || (stop != nullptr && stop->load()); });
    }
    slept += std::max<std::int64_t>(0, clocks_.wallNs() - before);
    if (interrupted) break;
  }
  sleptNs_ += slept;
  return slept;
}

}  // namespace mamori::scan
