#pragma once
// Device control with the Linux drivers (sysfs, NETLINK_KOBJECT_UEVENT, BLKROSET): the only place
// that picks them. Owns the drivers together with the capability, so the composition root registers
// one Capability.

#include <memory>
#include <optional>
#include <string>

#include "agent/core/Capability.h"
#include "agent/device/DeviceControl.h"

namespace mamori::agent {

// sysfsRoot is "/sys" except in tests. The uevent socket is opened at the first apply() and only if
// the machine has a USB bus; without one nothing under /sys/bus/usb is written (it is said once).
// exceptions: temporary device exceptions (challenge/response), off when nullopt.
std::unique_ptr<Capability> makeLinuxDeviceControl(const std::string& sysfsRoot, EventSink& sink,
                                                   std::optional<device::ExceptionSettings> exceptions = {});

}  // namespace mamori::agent
