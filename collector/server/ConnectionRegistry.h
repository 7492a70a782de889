#pragma once
// Who is connected: the open-connection count, the count per client address and the idle
// connections in the order they became idle. It decides admissions (accept, close the oldest idle
// connection to make room, or refuse) and holds no socket: the event loop acts on its answers.
// Thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mamori::collector::server {

// What the registry can ask of a connection; both post to the connection's own strand.
class Evictable {
 public:
  virtual ~Evictable() = default;
  // Close now if still idle (the registry chose it as the oldest idle connection).
  virtual void evict() = 0;
  // The server stops: close unless a request is being answered, then close after the answer.
  virtual void shutdown() = 0;
};

enum class Admission { Accepted, RefusedLimit, RefusedPerAddress };

class ConnectionRegistry {
 public:
  ConnectionRegistry(std::size_t maxConnections, std::size_t maxPerAddress)
      : maxConnections_(maxConnections), maxPerAddress_(maxPerAddress) {}

  struct Decision {
    Admission admission = Admission::Accepted;
    // Set when room was made: the caller calls evict() on it (outside any lock).
    std::shared_ptr<Evictable> evicted;
  };
  // Counts connection id from address when accepted. An evicted connection still counts until it is
  // released, so the count may pass the limit by the evictions in flight. An empty address is not
  // known yet (a balancer's connection whose PROXY header is still to come): it counts against the
  // limit but not against any address's cap until readdress() names it.
  Decision admit(std::uint64_t id, const std::string& address, std::weak_ptr<Evictable> connection);
  // The connection's client address as its PROXY header says; RefusedPerAddress when that address is
  // at its cap (the caller closes the connection, and release() still follows).
  Admission readdress(std::uint64_t id, const std::string& address);
  void release(std::uint64_t id);
  // A connection waits for the first byte of a request (it may be evicted), or stops waiting.
  void markIdle(std::uint64_t id);
  void markBusy(std::uint64_t id);

  std::vector<std::shared_ptr<Evictable>> all() const;
  std::size_t open() const;
  std::size_t idle() const;
  std::size_t maxConnections() const { return maxConnections_; }

 private:
  struct Entry {
    std::string address;
    std::weak_ptr<Evictable> connection;
    std::optional<std::list<std::uint64_t>::iterator> idlePosition;
  };

  void forgetAddress(const std::string& address);  // under mutex_

  const std::size_t maxConnections_;
  const std::size_t maxPerAddress_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::unordered_map<std::string, std::size_t> perAddress_;
  std::list<std::uint64_t> idleOrder_;  // front: idle the longest
};

}  // namespace mamori::collector::server
