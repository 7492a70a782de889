#include "agent/p2p/SettlingExecs.h"

namespace mamori::agent::p2p {

SettlingExecs::SettlingExecs(std::chrono::milliseconds settle, std::chrono::milliseconds slack)
    : settle_(settle), slack_(slack) {}

bool SettlingExecs::add(const drivers::ProcessEvent& event, Clock::time_point now) {
  using Kind = drivers::ProcessEvent::Kind;
  if (event.kind == Kind::kExec) {
    if (const auto it = byPid_.find(event.pid); it != byPid_.end()) {
      entries_[it->second - frontSeq_].event.timestampNs = event.timestampNs;  // a chain: the first one's due time
      return false;
    }
    byPid_.emplace(event.pid, frontSeq_ + entries_.size());
    entries_.push_back({now + settle_, event, true});
    return false;
  }
  if (event.kind == Kind::kExit) {
    if (const auto it = byPid_.find(event.pid); it != byPid_.end()) {
      entries_[it->second - frontSeq_].live = false;
      byPid_.erase(it);
      ++exitedBeforeLook_;
      while (!entries_.empty() && !entries_.front().live) dropFront();
    }
  }
  return true;
}

void SettlingExecs::dropFront() {
  entries_.pop_front();
  ++frontSeq_;
}

std::vector<drivers::ProcessEvent> SettlingExecs::takeDue(Clock::time_point now) {
  std::vector<drivers::ProcessEvent> due;
  const auto horizon = now + slack_;
  while (!entries_.empty() && entries_.front().due <= horizon) {
    if (entries_.front().live) {
      due.push_back(entries_.front().event);
      byPid_.erase(entries_.front().event.pid);
    }
    dropFront();
  }
  while (!entries_.empty() && !entries_.front().live) dropFront();
  return due;
}

std::optional<SettlingExecs::Clock::time_point> SettlingExecs::nextDue() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front().due;  // dead entries never stay at the front
}

void SettlingExecs::clear() {
  frontSeq_ += entries_.size();
  entries_.clear();
  byPid_.clear();
}

}  // namespace mamori::agent::p2p
