#pragma once
// A CPU budget for the agent's background scans. The agent's watchdog (agent/guard/SelfLimits.h)
// restarts the agent when the whole process stays over the policy's agent_limits.cpu_percent; a scan
// of whole home folders would otherwise run at full speed and trip it every ~30 s. So scan workers
// call pace() between files: when the process (every thread, not just the scan) used more than its
// share over the last window, pace() sleeps until the window is back under the budget.
//
// The rule kept: over every `window` (and every `shortWindow`) of wall time, process CPU time <=
// share * that window, where share is `fraction` (0.8) of cpu_percent of one core. Sleeps are cut into slices of at
// most maxSlice so a stop flag is seen quickly; interrupt() wakes every sleeper at once. No budget object = no pacing
// (`mamori-agent scan` and the inspection tool run at full speed).
//
// Clocks are injected so tests run with fake CPU and wall time and check the computed sleeps.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace mamori::scan {

struct CpuBudgetClocks {
  std::function<std::int64_t()> cpuNs;   // CPU time of the whole process (all threads), nanoseconds
  std::function<std::int64_t()> wallNs;  // a monotonic clock, nanoseconds
  // Sleeps up to ns unless woken; empty = wait on the budget's condition variable (real time).
  // Tests set it to advance their fake wall clock.
  std::function<void(std::int64_t ns)> sleepNs;

  // CLOCK_PROCESS_CPUTIME_ID and CLOCK_MONOTONIC.
  static CpuBudgetClocks system();
};

struct CpuBudgetOptions {
  double fraction = 0.8;                     // of the policy's limit: headroom for the rest of the agent and for noise
  std::chrono::milliseconds window{10'000};  // as long as one watchdog window
  // Also kept over this shorter window: otherwise the scan runs flat out until the long window is
  // full, then waits for that burst to slide out (5 s at full speed, 5 s asleep).
  std::chrono::milliseconds shortWindow{2'000};
  std::chrono::milliseconds maxSlice{250};     // longest single sleep before stop flags are looked at
  std::chrono::milliseconds granularity{100};  // samples kept at most this often (bounds memory)
};

class CpuBudget {
 public:
  // limitPercent: the policy's agent_limits.cpu_percent (of one core); <= 0 disables pacing.
  explicit CpuBudget(std::int64_t limitPercent, CpuBudgetClocks clocks = CpuBudgetClocks::system(),
                     CpuBudgetOptions options = {});

  // A new policy's limit; the history is kept (the CPU already used still counts).
  void setLimitPercent(std::int64_t limitPercent);
  std::int64_t limitPercent() const { return limitPercent_.load(); }

  // Takes a sample and returns how long the caller would have to sleep (no CPU used meanwhile) for
  // the last window to be within the budget; 0 when it already is. Safe from any thread.
  std::int64_t sleepNeededNs();

  // Sleeps, slice by slice, until the process is within budget, *stop turns true or interrupt() is
  // called. Returns the nanoseconds slept (by the sleep function's account).
  std::int64_t pace(const std::atomic<bool>* stop = nullptr);

  // Wakes every thread sleeping in pace() now (they then look at their stop flag, or resample).
  void interrupt();

  // CPU time spent for this process's scans in other processes (the extraction sandbox's workers),
  // counted as if this process had used it: the budget is the scan's, wherever it runs.
  void charge(std::int64_t cpuNs) { chargedNs_ += cpuNs > 0 ? cpuNs : 0; }

  // For logs and tests.
  std::int64_t paceCalls() const { return paceCalls_.load(); }
  std::int64_t sleptNs() const { return sleptNs_.load(); }

 private:
  struct Sample {
    std::int64_t wallNs;
    std::int64_t cpuNs;
  };
  std::int64_t neededLocked(std::int64_t now, std::int64_t cpu);  // mutex_ held
  std::int64_t neededFor(std::int64_t window, double share, std::int64_t now, std::int64_t cpu) const;
  void sleepSlice(std::int64_t ns, const std::atomic<bool>* stop);

  CpuBudgetClocks clocks_;
  CpuBudgetOptions options_;
  std::atomic<std::int64_t> limitPercent_;
  std::atomic<std::int64_t> chargedNs_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakeGeneration_ = 0;  // bumped by interrupt()
  std::deque<Sample> samples_;        // oldest first; the first is at or before now - window
  std::atomic<std::int64_t> paceCalls_{0};
  std::atomic<std::int64_t> sleptNs_{0};
};

}  // namespace mamori::scan
