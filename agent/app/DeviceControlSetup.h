#pragma once
// Device control assembled from the device drivers of an AgentDrivers set (the Linux ones in the
// agent: sysfs, NETLINK_KOBJECT_UEVENT, BLKROSET): USB and the four channels beside it behind one
// Capability, so the composition root registers one.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/app/AgentDrivers.h"
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

// drivers: must outlive the capability. The uevent source is opened at the first apply(), with or
// without a USB bus (every channel needs it); without one nothing on the USB bus is written.
// exceptions: temporary device exceptions (challenge/response), off when nullopt.
// stateDir: the agent's state directory (keys given to Thunderbolt devices at security level secure
// are kept in <stateDir>/thunderbolt-keys); "" keeps none.
std::unique_ptr<DeviceControlCapability> makeDeviceControl(DeviceDrivers& drivers, const std::string& stateDir,
                                                           EventSink& sink,
                                                           std::optional<device::ExceptionSettings> exceptions = {});

}  // namespace mamori::agent
