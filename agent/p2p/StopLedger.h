#pragma once
// One decision per launch. Two paths can stop the same launch of a Wine program: the exec guard
// refusing the loader's second exec (on its fanotify thread) and the kill after the first exec (on
// the main thread, from the proc connector's event), whichever comes first (docs/decisions/0036).
// Each path records here what it did to which process for which program; the later one still acts
// (a refused loader is killed all the same, a killed one refused) but does not report it, so the
// console shows one event for one attempt. Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <unordered_map>

namespace mamori::agent::p2p {

class StopLedger {
 public:
  // The exec guard refuses program for the process (pid, startTime). True when the refusal is to be
  // reported: false when the guard has already reported killing this process for that program.
  bool refuse(pid_t pid, std::uint64_t startTime, const std::string& program);
  // The guard is about to kill the process for program. True when the kill is to be reported: false
  // when the exec guard has already reported refusing this launch.
  bool kill(pid_t pid, std::uint64_t startTime, const std::string& program);
  // The kill did not happen (the process was gone or could not be signalled): a later refusal of
  // the same launch is reported again.
  void killFailed(pid_t pid);
  // The process ended (the proc connector's exit event).
  void forget(pid_t pid);
  std::size_t size() const;

 private:
  enum class Stop { kRefused, kKilled };
  struct Entry {
    std::uint64_t startTime = 0;
    std::string program;
    Stop stop = Stop::kRefused;
  };
  // Records stop for the launch unless the other path already did: true when it was not recorded.
  bool record(pid_t pid, std::uint64_t startTime, const std::string& program, Stop stop);

  // Entries go when their process exits; the bound holds if exit events are lost (overrun).
  static constexpr std::size_t kMaxEntries = 4096;
  mutable std::mutex mutex_;
  std::unordered_map<pid_t, Entry> entries_;
};

}  // namespace mamori::agent::p2p
