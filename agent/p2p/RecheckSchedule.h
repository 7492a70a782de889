#pragma once
// When to look at a process again after its exec (libraries loaded after start, a dlopen of
// libtorrent): at fixed delays, so each delay's queue is already in due order. Adding a pid is O(1)
// and whatever is due is taken in one go, so a machine running hundreds of programs a second costs
// one timer and a wake-up per burst, not one Qt timer per exec and delay (Qt keeps its timers in a
// sorted list: inserting was 4% of the agent's CPU during a loop of execs, and every recheck woke
// the main thread on its own). Pure: time is a parameter.

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <sys/types.h>
#include <vector>

namespace mamori::agent::p2p {

class RecheckSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  // `slack`: a recheck due that much later is taken with the ones due now (one wake-up for a burst).
  // `capacity` per delay: beyond it new pids are not queued (a fork storm); the guard's sweeps
  // still read every process.
  RecheckSchedule(std::vector<std::chrono::milliseconds> delays, std::chrono::milliseconds slack,
                  std::size_t capacity = 65'536);

  void add(pid_t pid, Clock::time_point now);
  // The pids due by now + slack, each once per delay reached, in due order per delay.
  std::vector<pid_t> takeDue(Clock::time_point now);
  // When the earliest entry falls due (nothing queued: none).
  std::optional<Clock::time_point> nextDue() const;
  std::size_t size() const;
  std::size_t dropped() const { return dropped_; }
  void clear();

 private:
  struct Entry {
    Clock::time_point due;
    pid_t pid;
  };
  std::vector<std::chrono::milliseconds> delays_;
  std::vector<std::deque<Entry>> queues_;  // one per delay
  std::chrono::milliseconds slack_;
  std::size_t capacity_;
  std::size_t dropped_ = 0;
};

}  // namespace mamori::agent::p2p
