#include "agent/p2p/StopLedger.h"

namespace mamori::agent::p2p {

bool StopLedger::record(pid_t pid, std::uint64_t startTime, const std::string& program, Stop stop) {
  const std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(pid); it != entries_.end()) {
    const Entry& entry = it->second;
    // The other path stopped this very launch first: act, report nothing. The same path again (a
    // shell whose exec of a client is refused twice) is a second attempt and is reported.
    if (entry.startTime == startTime && entry.program == program && entry.stop != stop) return false;
  }
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[pid] = Entry{startTime, program, stop};
  return true;
}

bool StopLedger::refuse(pid_t pid, std::uint64_t startTime, const std::string& program) {
  return record(pid, startTime, program, Stop::kRefused);
}

bool StopLedger::kill(pid_t pid, std::uint64_t startTime, const std::string& program) {
  return record(pid, startTime, program, Stop::kKilled);
}

void StopLedger::killFailed(pid_t pid) {
  const std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(pid); it != entries_.end() && it->second.stop == Stop::kKilled) entries_.erase(it);
}

void StopLedger::forget(pid_t pid) {
  const std::lock_guard lock(mutex_);
  entries_.erase(pid);
}

std::size_t StopLedger::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mamori::agent::p2p
