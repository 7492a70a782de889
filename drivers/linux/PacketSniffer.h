#pragma once
// A read-only AF_PACKET socket (SOCK_DGRAM: network header first) with a classic BPF filter that
// passes IPv4/IPv6 packets arriving on any interface, cut to the first bytes (the payload's start is
// all the P2P flow classifier needs). Outgoing copies are dropped in the filter, so loopback
// traffic is seen once. Needs CAP_NET_RAW.

#include <memory>
#include <string>
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
  static common::Result<std::unique_ptr<PacketSniffer>> open(const std::string& netnsPath, unsigned snapLength = 512);

  int fd() const override { return socket_.get(); }
  // Up to max waiting packets, without blocking.
  common::Result<std::vector<std::string>> drain(std::size_t max) override;

 private:
  explicit PacketSniffer(common::UniqueFd socket, unsigned snapLength)
      : socket_(std::move(socket)), snapLength_(snapLength) {}
  common::UniqueFd socket_;
  unsigned snapLength_;
};

}  // namespace mamori::drivers::linux_os
