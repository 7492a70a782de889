#pragma once
// Device control with the Linux drivers (sysfs, NETLINK_KOBJECT_UEVENT, BLKROSET): the only place
// that picks them. Owns the drivers together with the capability, so the composition root registers
// one Capability.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/Capability.h"
#include "agent/device/DeviceControl.h"

namespace mamori::agent {

// The device capability with what exception requests (agent/device/ExceptionRequests) need of it;
// both answer as if nothing were blocked until the first policy is applied.
class DeviceControlCapability : public Capability {
 public:
  virtual std::vector<device::BlockedDevice> blockedDevices() const = 0;
  virtual common::Result<device::ExceptionGrantInForce> acceptResponse(const std::string& response) = 0;
};

// sysfsRoot is "/sys" except in tests. The uevent socket is opened at the first apply() and only if
// the machine has a USB bus; without one nothing under /sys/bus/usb is written (it is said once).
// exceptions: temporary device exceptions (challenge/response), off when nullopt.
// stateDir: the agent's state directory (keys given to Thunderbolt devices at security level secure
// are kept in <stateDir>/thunderbolt-keys); "" keeps none.
std::unique_ptr<DeviceControlCapability> makeLinuxDeviceControl(
    const std::string& sysfsRoot, const std::string& stateDir, EventSink& sink,
    std::optional<device::ExceptionSettings> exceptions = {});

}  // namespace mamori::agent
