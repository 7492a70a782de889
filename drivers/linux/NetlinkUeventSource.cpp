#include "drivers/linux/NetlinkUeventSource.h"

#include <array>
#include <cerrno>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/Log.h"
#include "drivers/linux/NetlinkReceive.h"
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
  auto read = receiveNetlink(fd_.get(), buffer.data(), buffer.size(), batch.overflowed, "cannot read the uevent socket",
                             "NETLINK_KOBJECT_UEVENT", [&](std::string_view datagram, std::uint32_t port, int flags) {
                               // Only the kernel (port 0) speaks for devices; anything else is ignored.
                               if (port != 0) return true;
                               if ((flags & MSG_TRUNC) != 0) {
                                 common::log::warning("uevent: a truncated datagram was dropped");
                                 return true;
                               }
                               auto parsed = parseUevent(datagram);
                               if (!parsed) {
                                 common::log::warning(parsed.error().describe());
                                 return true;
                               }
                               batch.events.push_back(std::move(parsed).value());
                               return true;
                             });
  if (!read) return read.error();
  return batch;
}

}  // namespace mamori::drivers::linux_os
