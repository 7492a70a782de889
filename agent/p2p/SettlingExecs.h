#pragma once
// Exec events wait a moment before the guard looks at them (issue 19's exec overhead): most of what
// a machine execs is gone within a millisecond (/bin/true, sed and test in a shell loop, a build's
// compilers' helpers), and the kernel announces that exit too. A held exec whose exit arrives is
// dropped without a single read of /proc; what still runs once it has settled is examined as before.
// Held execs of one pid (an exec chain: a launcher script execs the client) are one entry that keeps
// the first one's due time and the last one's kernel timestamp, so a chain is never put off and the
// exec-to-kill figure counts from the program that is killed.
// Pure: time is a parameter; P2pGuardCapability reads the kernel's events into it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "drivers/include/ProcessEvents.h"

namespace mamori::agent::p2p {

class SettlingExecs {
 public:
  using Clock = std::chrono::steady_clock;

  // An exec is due `settle` after it was heard; `slack`: one due that much later is taken with the
  // ones due now (one wake-up for a burst), so an exec is examined between settle - slack and settle
  // after it was heard.
  SettlingExecs(std::chrono::milliseconds settle, std::chrono::milliseconds slack);

  // One of the kernel's events, in the order they came. Execs are held; an exit drops the held exec
  // of its pid. Returns whether the caller passes the event on now (forks and exits: the guard's
  // bookkeeping); false for an exec, which comes back from takeDue.
  bool add(const drivers::ProcessEvent& event, Clock::time_point now);
  // The held execs due by now + slack, in the order they were heard.
  std::vector<drivers::ProcessEvent> takeDue(Clock::time_point now);
  // When the earliest held exec falls due (nothing held: none).
  std::optional<Clock::time_point> nextDue() const;
  std::size_t held() const { return byPid_.size(); }
  // Execs dropped because the process exited before it was looked at (since the start).
  std::uint64_t exitedBeforeLook() const { return exitedBeforeLook_; }
  void clear();

 private:
  struct Entry {
    Clock::time_point due;
    drivers::ProcessEvent event;
    bool live = true;
  };
  void dropFront();
  std::chrono::milliseconds settle_;
  std::chrono::milliseconds slack_;
  std::deque<Entry> entries_;                       // in the order heard (so in due order)
  std::uint64_t frontSeq_ = 0;                      // sequence number of entries_.front()
  std::unordered_map<pid_t, std::uint64_t> byPid_;  // held pid -> its entry's sequence number
  std::uint64_t exitedBeforeLook_ = 0;
};

}  // namespace mamori::agent::p2p
