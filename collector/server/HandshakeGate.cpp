#include "collector/server/HandshakeGate.h"

#include <utility>

namespace mamori::collector::server {

void HandshakeGate::enter(const std::string& address, std::function<void()> start) {
  {
    const std::lock_guard lock(mutex_);
    Slot& slot = slots_[address];
    if (perAddress_ != 0 && slot.running >= perAddress_) {
      slot.queue.push_back(std::move(start));
      ++waiting_;
      return;
    }
    ++slot.running;
    ++running_;
  }
  start();  // outside the lock: it may call leave() at once
}

void HandshakeGate::leave(const std::string& address) {
  std::function<void()> next;
  {
    const std::lock_guard lock(mutex_);
    const auto it = slots_.find(address);
    if (it == slots_.end() || it->second.running == 0) return;  // not ours: never go below zero
    Slot& slot = it->second;
    if (slot.queue.empty()) {
      --slot.running;
      --running_;
      if (slot.running == 0) slots_.erase(it);
      return;
    }
    // The slot passes straight to the next waiter of the same address.
    next = std::move(slot.queue.front());
    slot.queue.pop_front();
    --waiting_;
  }
  next();
}

std::size_t HandshakeGate::waiting() const {
  const std::lock_guard lock(mutex_);
  return waiting_;
}

std::size_t HandshakeGate::inProgress() const {
  const std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace mamori::collector::server
