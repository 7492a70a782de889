#pragma once
// The netlink proc connector (NETLINK_CONNECTOR, CN_IDX_PROC): the kernel multicasts every exec and
// exit as it happens. Needs CAP_NET_ADMIN in the initial user namespace. The socket is non-blocking
// with a large receive buffer; an overrun (ENOBUFS) is reported, never hidden. A socket filter keeps
// thread births and deaths and the other event kinds in the kernel (ProcConnectorFilter).

#include <memory>

#include "common/UniqueFd.h"
#include "drivers/include/ProcessEvents.h"

namespace mamori::drivers::linux_os {

class ProcConnector final : public ProcessEventSource {
 public:
  // Opens, binds and subscribes (PROC_CN_MCAST_LISTEN).
  static common::Result<std::unique_ptr<ProcConnector>> open();
  ~ProcConnector() override;  // unsubscribes (PROC_CN_MCAST_IGNORE)

  int fd() const override { return socket_.get(); }
  common::Result<ProcessEventBatch> drain() override;

 private:
  explicit ProcConnector(common::UniqueFd socket) : socket_(std::move(socket)) {}
  common::UniqueFd socket_;
};

}  // namespace mamori::drivers::linux_os
