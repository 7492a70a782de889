#pragma once
// The agent's self-limits, like osquery's watchdog: the policy's agent_limits (CPU percent of one
// core, resident memory) are checked every window; over a limit for `windows` windows in a row is a
// breach. The breach names the thread that used the most CPU during those windows: threads carry the
// name of the capability running them (mamori-scan, mamori-upload, ...; the main thread is
// mamori-agent). Pure: usage samples in, verdicts out (the sampling is drivers/ProcessUsage).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "drivers/include/ProcessUsage.h"

namespace mamori::agent::guard {

struct LimitSettings {
  std::int64_t cpuPercent = 25;  // of one core, averaged over a window; <= 0 disables
  std::int64_t memoryMib = 512;  // resident; <= 0 disables
  int windows = 3;               // consecutive windows over a limit before it is a breach
  // CPU used in the first windows after start (a minute with the default 10 s window) is not
  // judged: compiling rules, learning the installed P2P clients' hashes and the first scan plan cost
  // a burst that is no sign of a runaway loop (on a slow PC, or under emulation, it outlasted three
  // windows and restarted the agent again and again). osquery's watchdog waits likewise
  // (--watchdog_delay, 60 s). Memory is judged from the start.
  int startupGraceWindows = 6;
};

struct LimitBreach {
  std::string resource;    // "cpu" or "memory"
  double measured = 0;     // percent of one core (average over the windows) or MiB (last window)
  std::int64_t limit = 0;  // the limit in the same unit
  int windows = 0;         // how many windows in a row
  std::string component;   // the thread name that used the most CPU over those windows
  double componentCpuPercent = 0;
};

class LimitJudge {
 public:
  explicit LimitJudge(LimitSettings settings) : settings_(settings) {}

  // New limits (a new policy): the streaks start over.
  void setLimits(LimitSettings settings);
  const LimitSettings& limits() const { return settings_; }

  // One sample at nowMs; the first sample only sets the baseline. A breach is reported once per
  // streak (the caller restarts the agent).
  std::optional<LimitBreach> observe(std::int64_t nowMs, const drivers::ProcessUsage& usage);

  // The CPU percent of the last window (for logs and tests).
  double lastCpuPercent() const { return lastCpuPercent_; }

 private:
  LimitSettings settings_;
  bool haveBaseline_ = false;
  int windowsSeen_ = 0;  // since start (not reset by new limits)
  std::int64_t lastMs_ = 0;
  std::map<std::int64_t, std::uint64_t> lastTicks_;  // by tid
  int cpuStreak_ = 0;
  int memoryStreak_ = 0;
  double cpuStreakSum_ = 0;
  std::map<std::string, std::uint64_t> streakTicksByName_;
  std::map<std::string, std::uint64_t> windowTicksByName_;
  std::int64_t streakMs_ = 0;
  double lastCpuPercent_ = 0;
};

}  // namespace mamori::agent::guard
