#include "agent/p2p/RecheckSchedule.h"

#include <utility>

namespace mamori::agent::p2p {

RecheckSchedule::RecheckSchedule(std::vector<std::chrono::milliseconds> delays, std::chrono::milliseconds slack,
                                 std::size_t capacity)
    : delays_(std::move(delays)), queues_(delays_.size()), slack_(slack), capacity_(capacity) {}

void RecheckSchedule::add(pid_t pid, Clock::time_point now) {
  for (std::size_t i = 0; i < delays_.size(); ++i) {
    if (queues_[i].size() >= capacity_) {
      ++dropped_;
      continue;
    }
    queues_[i].push_back({now + delays_[i], pid});
  }
}

std::vector<pid_t> RecheckSchedule::takeDue(Clock::time_point now) {
  std::vector<pid_t> due;
  const auto horizon = now + slack_;
  for (auto& queue : queues_) {
    while (!queue.empty() && queue.front().due <= horizon) {
      due.push_back(queue.front().pid);
      queue.pop_front();
    }
  }
  return due;
}

std::optional<RecheckSchedule::Clock::time_point> RecheckSchedule::nextDue() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& queue : queues_) {
    if (!queue.empty() && (!earliest || queue.front().due < *earliest)) earliest = queue.front().due;
  }
  return earliest;
}

std::size_t RecheckSchedule::size() const {
  std::size_t total = 0;
  for (const auto& queue : queues_) total += queue.size();
  return total;
}

void RecheckSchedule::clear() {
  for (auto& queue : queues_) queue.clear();
}

}  // namespace mamori::agent::p2p
