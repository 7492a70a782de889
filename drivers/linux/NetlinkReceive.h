#pragma once
// The receive loop of the agent's non-blocking netlink sockets (uevents, the proc connector): every
// datagram waiting is read, EINTR retried, EAGAIN ends the loop, and ENOBUFS (the kernel dropped
// datagrams: the receive buffer overran) is flagged and reading goes on, so an overrun is reported,
// never hidden. Header-only: the two sockets live in different driver libraries.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <linux/netlink.h>
#include <string_view>
#include <sys/socket.h>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

// Hands each datagram to onDatagram(bytes, senderPort, msgFlags), which returns false to stop
// reading; overrun becomes true on ENOBUFS. Another error: what with errno, naming source.
template <typename OnDatagram>
common::Status receiveNetlink(int fd, char* buffer, std::size_t size, bool& overrun, const char* what,
                              const char* source, OnDatagram&& onDatagram) {
  for (;;) {
    sockaddr_nl from{};
    iovec io{buffer, size};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        overrun = true;
        continue;
      }
      return common::makeError(what, source, errno);
    }
    if (!onDatagram(std::string_view(buffer, static_cast<std::size_t>(n)), static_cast<std::uint32_t>(from.nl_pid),
                    message.msg_flags)) {
      break;
    }
  }
  return common::Ok{};
}

}  // namespace mamori::drivers::linux_os
