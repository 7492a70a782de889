#include "drivers/linux/NetlinkUeventSource.h"

#include <array>
#include <cerrno>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/Log.h"
#include "drivers/linux/UeventParser.h"

namespace mamori::drivers::linux_os {

namespace {
// A hot-plugged composite device sends dozens of uevents at once; a large buffer avoids ENOBUFS.
constexpr int kReceiveBufferBytes = 4 * 1024 * 1024;
}  // namespace

common::Result<std::unique_ptr<NetlinkUeventSource>> NetlinkUeventSource::open() {
  common::UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT));
  if (!fd.valid()) return common::makeError("cannot open the uevent socket", "NETLINK_KOBJECT_UEVENT", errno);
  // FORCE needs CAP_NET_ADMIN; without it the plain option is capped by rmem_max, which is still useful.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBufferBytes, sizeof kReceiveBufferBytes) != 0) {
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
  }
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = 1;  // the kernel's group; udev re-broadcasts on group 2
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {  // NOLINT: sockaddr API
    return common::makeError("cannot bind the uevent socket", "NETLINK_KOBJECT_UEVENT", errno);
  }
  return std::unique_ptr<NetlinkUeventSource>(new NetlinkUeventSource(std::move(fd)));
}

common::Result<UeventBatch> NetlinkUeventSource::readPending() {
  UeventBatch batch;
  std::array<char, kMaxUeventBytes + 1> buffer{};
  for (;;) {
    sockaddr_nl from{};
    iovec io{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        batch.overflowed = true;
        continue;
      }
      return common::makeError("cannot read the uevent socket", "NETLINK_KOBJECT_UEVENT", errno);
    }
    // Only the kernel (port 0) speaks for devices; anything else is ignored.
    if (from.nl_pid != 0) continue;
    if ((message.msg_flags & MSG_TRUNC) != 0) {
      common::log::warning("uevent: a truncated datagram was dropped");
      continue;
    }
    auto parsed = parseUevent(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    if (!parsed) {
      common::log::warning(parsed.error().describe());
      continue;
    }
    batch.events.push_back(std::move(parsed).value());
  }
  return batch;
}

}  // namespace mamori::drivers::linux_os
