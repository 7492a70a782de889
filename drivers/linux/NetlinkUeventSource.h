#pragma once

#include <memory>

#include "common/UniqueFd.h"
#include "drivers/include/Uevent.h"

namespace mamori::drivers::linux_os {

// Kernel uevents straight from NETLINK_KOBJECT_UEVENT (multicast group 1), without udev: Debian's
// libusb learns of hotplug only through a running udev daemon, and the agent must not depend on one.
class NetlinkUeventSource final : public UeventSource {
 public:
  static common::Result<std::unique_ptr<NetlinkUeventSource>> open();

  int fd() const override { return fd_.get(); }
  common::Result<UeventBatch> readPending() override;

 private:
  explicit NetlinkUeventSource(common::UniqueFd fd) : fd_(std::move(fd)) {}
  common::UniqueFd fd_;
};

}  // namespace mamori::drivers::linux_os
