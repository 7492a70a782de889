#pragma once
// TLS handshakes are the listener's expensive step (key exchange and signature: tenths of a
// millisecond of CPU each). One client that opens thousands of connections at once would otherwise
// put every other client's handshake at the end of its queue. The gate lets each client address have
// at most `perAddress` handshakes in progress; the address's further connections wait, in order, for
// one of its own to finish, while connections from other addresses start at once. Thread-safe.

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mamori::collector::server {

class HandshakeGate {
 public:
  // perAddress 0: no cap (every handshake starts at once).
  explicit HandshakeGate(std::size_t perAddress) : perAddress_(perAddress) {}

  // Runs start now (on the calling thread) or later, from leave() of the same address. start must
  // end in exactly one leave(address), also when it decides not to handshake after all.
  void enter(const std::string& address, std::function<void()> start);
  // A handshake of address ended (done, failed or not started); starts that address's next waiter.
  void leave(const std::string& address);

  std::size_t waiting() const;
  std::size_t inProgress() const;

 private:
  struct Slot {
    std::size_t running = 0;
    std::deque<std::function<void()>> queue;
  };
  const std::size_t perAddress_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::size_t waiting_ = 0;
  std::size_t running_ = 0;
};

}  // namespace mamori::collector::server
