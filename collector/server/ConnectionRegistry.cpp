#include "collector/server/ConnectionRegistry.h"

namespace mamori::collector::server {

ConnectionRegistry::Decision ConnectionRegistry::admit(std::uint64_t id, const std::string& address,
                                                       std::weak_ptr<Evictable> connection) {
  Decision decision;
  std::lock_guard lock(mutex_);
  if (maxPerAddress_ != 0 && !address.empty()) {
    const auto it = perAddress_.find(address);
    if (it != perAddress_.end() && it->second >= maxPerAddress_) {
      decision.admission = Admission::RefusedPerAddress;
      return decision;
    }
  }
  if (entries_.size() >= maxConnections_) {
    // The oldest idle connection that still exists makes room; without one the newcomer is refused.
    while (!idleOrder_.empty() && !decision.evicted) {
      const std::uint64_t victim = idleOrder_.front();
      idleOrder_.pop_front();
      auto& entry = entries_.at(victim);
      entry.idlePosition.reset();
      decision.evicted = entry.connection.lock();
    }
    if (!decision.evicted) {
      decision.admission = Admission::RefusedLimit;
      return decision;
    }
  }
  entries_[id] = Entry{address, std::move(connection), std::nullopt};
  if (!address.empty()) ++perAddress_[address];
  return decision;
}

Admission ConnectionRegistry::readdress(std::uint64_t id, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.address == address) return Admission::Accepted;
  if (maxPerAddress_ != 0) {
    const auto count = perAddress_.find(address);
    if (count != perAddress_.end() && count->second >= maxPerAddress_) return Admission::RefusedPerAddress;
  }
  forgetAddress(it->second.address);
  it->second.address = address;
  ++perAddress_[address];
  return Admission::Accepted;
}

void ConnectionRegistry::forgetAddress(const std::string& address) {
  if (const auto count = perAddress_.find(address); count != perAddress_.end()) {
    if (--count->second == 0) perAddress_.erase(count);
  }
}

void ConnectionRegistry::release(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.idlePosition) idleOrder_.erase(*it->second.idlePosition);
  forgetAddress(it->second.address);
  entries_.erase(it);
}

void ConnectionRegistry::markIdle(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.idlePosition) return;
  it->second.idlePosition = idleOrder_.insert(idleOrder_.end(), id);
}

void ConnectionRegistry::markBusy(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.idlePosition) return;
  idleOrder_.erase(*it->second.idlePosition);
  it->second.idlePosition.reset();
}

std::vector<std::shared_ptr<Evictable>> ConnectionRegistry::all() const {
  std::vector<std::shared_ptr<Evictable>> out;
  std::lock_guard lock(mutex_);
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    if (auto connection = entry.connection.lock()) out.push_back(std::move(connection));
  }
  return out;
}

std::size_t ConnectionRegistry::open() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t ConnectionRegistry::idle() const {
  std::lock_guard lock(mutex_);
  return idleOrder_.size();
}

}  // namespace mamori::collector::server
