#pragma once
// A read-only AF_PACKET socket (SOCK_DGRAM: network header first) with a classic BPF filter
// (PayloadFilter) that passes only TCP and UDP packets arriving on any interface whose payload starts
// with one of the given prefixes, cut to the first bytes (the payload's start is all the P2P flow
// classifier needs): the rest of the traffic never wakes the reader. Outgoing copies are dropped in
// the filter, so loopback traffic is seen once. Needs CAP_NET_RAW. Read on its own thread (poll on the socket and an
// eventfd that the destructor signals).

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/Result.h"
#include "common/UniqueFd.h"
#include "drivers/include/PacketSource.h"

namespace mamori::drivers::linux_os {

class PacketSniffer final : public PacketSource {
 public:
  // netnsPath: a network namespace to listen in (e.g. /proc/PID/ns/net); "" = the agent's own. The
  // socket is opened on a short-lived thread that enters the namespace, so no thread of the agent
  // changes namespace.
  static common::Result<std::unique_ptr<PacketSniffer>> open(const std::string& netnsPath,
                                                             const PayloadPrefixes& prefixes,
                                                             unsigned snapLength = 512);
  ~PacketSniffer() override;

  common::Status start(Handler handler) override;
  // Up to max waiting packets, without blocking (what the thread calls; tests may call it directly).
  common::Result<std::vector<CapturedPacket>> drain(std::size_t max);

 private:
  PacketSniffer(common::UniqueFd socket, common::UniqueFd wake, unsigned snapLength)
      : socket_(std::move(socket)), wake_(std::move(wake)), snapLength_(snapLength) {}
  void run(const Handler& handler);

  common::UniqueFd socket_;
  common::UniqueFd wake_;  // eventfd: the destructor wakes the thread to stop it
  unsigned snapLength_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mamori::drivers::linux_os
