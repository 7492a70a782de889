#include "drivers/linux/ProcConnector.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "drivers/linux/NetlinkReceive.h"
#include "drivers/linux/ProcConnectorFilter.h"
#include "drivers/linux/ProcConnectorParser.h"

namespace mamori::drivers::linux_os {

namespace {

common::Status sendControl(int fd, proc_cn_mcast_op op) {
  const std::string request =
      procConnectorMessage(std::string_view(reinterpret_cast<const char*>(&op), sizeof op));  // NOLINT: bytes of op
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    return common::makeError("cannot subscribe to the proc connector", "NETLINK_CONNECTOR", errno);
  }
  return common::Ok{};
}

}  // namespace

common::Result<std::unique_ptr<ProcConnector>> ProcConnector::open() {
  common::UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR));
  if (!fd.valid()) return common::makeError("cannot open a netlink connector socket", "NETLINK_CONNECTOR", errno);
  // Only what the guard uses is queued (ProcConnectorFilter). Without the filter (a kernel that
  // refuses it) the parser drops the rest after reading it.
  auto program = buildProcConnectorFilter();
  const sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter);
  // Bursts (a build running thousands of execs) must not overrun us between two reads.
  const int buffer = 8 * 1024 * 1024;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0) {
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = CN_IDX_PROC;
  address.nl_pid = 0;                                                                  // the kernel picks a unique port
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {  // NOLINT: sockaddr API
    return common::makeError("cannot bind the proc connector socket (needs root)", "NETLINK_CONNECTOR", errno);
  }
  if (auto sent = sendControl(fd.get(), PROC_CN_MCAST_LISTEN); !sent) return sent.error();
  return std::unique_ptr<ProcConnector>(new ProcConnector(std::move(fd)));
}

ProcConnector::~ProcConnector() {
  if (socket_.valid()) (void)sendControl(socket_.get(), PROC_CN_MCAST_IGNORE);
}

common::Result<ProcessEventBatch> ProcConnector::drain() {
  ProcessEventBatch batch;
  std::array<char, 16384> buffer{};
  auto read =
      receiveNetlink(socket_.get(), buffer.data(), buffer.size(), batch.overrun, "cannot read the proc connector",
                     "NETLINK_CONNECTOR", [&](std::string_view datagram, std::uint32_t /*port*/, int /*flags*/) {
                       if (datagram.empty()) return false;
                       auto events = parseProcConnectorDatagram(datagram);
                       batch.events.insert(batch.events.end(), events.begin(), events.end());
                       return true;
                     });
  if (!read) return read.error();
  return batch;
}

}  // namespace mamori::drivers::linux_os
