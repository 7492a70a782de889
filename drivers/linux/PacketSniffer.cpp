#include "drivers/linux/PacketSniffer.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>

#include "common/ThreadName.h"
#include "drivers/linux/PayloadFilter.h"

namespace mamori::drivers::linux_os {

namespace {

common::Result<common::UniqueFd> openSocket(const PayloadPrefixes& prefixes, unsigned snapLength) {
  auto program = buildPayloadFilter(prefixes, snapLength);
  if (!program) return program.error();
  common::UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL)));
  if (!fd.valid()) return common::makeError("cannot open a packet socket (needs CAP_NET_RAW)", "AF_PACKET", errno);
  sock_fprog filter{static_cast<unsigned short>(program.value().size()), program.value().data()};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) != 0) {
    return common::makeError("cannot attach the packet filter", "AF_PACKET", errno);
  }
  // Packets that arrived between socket() and the filter passed unfiltered: drop them.
  std::array<char, 1> sink{};
  while (::recv(fd.get(), sink.data(), sink.size(), MSG_TRUNC) >= 0) {
  }
  const int buffer = 4 * 1024 * 1024;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  return fd;
}

}  // namespace

common::Result<std::unique_ptr<PacketSniffer>> PacketSniffer::open(const std::string& netnsPath,
                                                                   const PayloadPrefixes& prefixes,
                                                                   unsigned snapLength) {
  common::UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return common::makeError("cannot create an eventfd for the packet reader", "eventfd", errno);
  if (netnsPath.empty()) {
    auto fd = openSocket(prefixes, snapLength);
    if (!fd) return fd.error();
    return std::unique_ptr<PacketSniffer>(new PacketSniffer(std::move(fd).value(), std::move(wake), snapLength));
  }
  common::Result<common::UniqueFd> result = common::makeError("not opened");
  std::thread opener([&] {
    const common::UniqueFd ns(::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) {
      result = common::makeError("cannot open the network namespace", netnsPath, errno);
      return;
    }
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      result = common::makeError("cannot enter the network namespace", netnsPath, errno);
      return;
    }
    result = openSocket(prefixes, snapLength);
  });
  opener.join();
  if (!result) return result.error();
  return std::unique_ptr<PacketSniffer>(new PacketSniffer(std::move(result).value(), std::move(wake), snapLength));
}

PacketSniffer::~PacketSniffer() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

common::Status PacketSniffer::start(Handler handler) {
  if (thread_.joinable()) return common::makeError("the packet reader runs already");
  thread_ = std::thread([this, handler = std::move(handler)] { run(handler); });
  return common::Ok{};
}

void PacketSniffer::run(const Handler& handler) {
  common::nameThisThread("mamori-packets");
  constexpr std::size_t kBatch = 256;
  while (!stop_) {
    std::array<pollfd, 2> fds{{{socket_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      handler(common::makeError("cannot wait for packets", "poll", errno));
      return;
    }
    if (stop_ || (fds[1].revents & POLLIN) != 0) return;
    auto batch = drain(kBatch);
    if (batch && batch.value().empty()) continue;
    const bool failed = !batch;
    handler(std::move(batch));
    if (failed) return;
  }
}

common::Result<std::vector<CapturedPacket>> PacketSniffer::drain(std::size_t max) {
  std::vector<CapturedPacket> packets;
  std::string buffer(snapLength_, '\0');
  while (packets.size() < max) {
    sockaddr_ll from{};
    socklen_t length = sizeof from;
    const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&from), &length);  // NOLINT: the sockets API
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return common::makeError("cannot read the packet socket", "AF_PACKET", errno);
    }
    CapturedPacket packet;
    packet.bytes.assign(buffer.data(), std::min<std::size_t>(static_cast<std::size_t>(n), buffer.size()));
    // The filter keeps one copy of loopback's packets (the received one) and, elsewhere, what this
    // machine sends as well as what it receives.
    packet.direction = from.sll_hatype == ARPHRD_LOOPBACK    ? CapturedPacket::Direction::kLoopback
                       : from.sll_pkttype == PACKET_OUTGOING ? CapturedPacket::Direction::kSent
                                                             : CapturedPacket::Direction::kReceived;
    packets.push_back(std::move(packet));
  }
  return packets;
}

}  // namespace mamori::drivers::linux_os
