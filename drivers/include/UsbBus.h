#pragma once
// The USB bus as the kernel's authorization interface exposes it (Documentation/usb/authorization.rst).
// Reads facts and carries out writes; it never decides which device is allowed.

#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"

namespace mamori::drivers {

class UsbBus {
 public:
  virtual ~UsbBus() = default;

  // False when the machine has no USB bus at all (no /sys/bus/usb/devices): nothing to control.
  virtual bool present() const = 0;
  // Kernel names of every device including root hubs, interfaces excluded, in sorted order.
  virtual common::Result<std::vector<std::string>> deviceNames() const = 0;
  virtual common::Result<UsbDevice> device(const std::string& name) const = 0;
  // What sysfs does not show an unconfigured device: its interface strings and its Microsoft OS
  // descriptor, read from the device itself (control transfers on endpoint 0, bounded in count,
  // size and time; the device is not configured and no driver binds). Fills UsbInterface::label or
  // labelUnreadable for every interface with a string index and no label yet, and msOs. Whatever a
  // device does not deliver is marked unreadable, so that policy can fail closed; never an error.
  virtual void readInterfaceDetails(UsbDevice& device) const = 0;

  // Root hub writes: what new devices / new interfaces on that bus get until someone decides.
  virtual common::Status setAuthorizedDefault(const std::string& rootHub, bool authorized) = 0;
  virtual common::Status setInterfaceAuthorizedDefault(const std::string& rootHub, bool authorized) = 0;
  // What the root hub of a host controller added later gets as its authorized_default (usbcore's
  // authorized_default parameter, read when a controller registers): false closes every future
  // controller from its first moment; true puts back the value found before the first close.
  virtual common::Status setNewControllersAuthorized(bool authorized) = 0;
  // Device write: 1 configures it (interfaces appear), 0 removes its interfaces and drivers.
  virtual common::Status setDeviceAuthorized(const std::string& name, bool authorized) = 0;
  virtual common::Status setInterfaceAuthorized(const std::string& interfaceName, bool authorized) = 0;
  // An interface authorized after it appeared gets no driver until it is probed again.
  virtual common::Status probeInterface(const std::string& interfaceName) = 0;

  // Block devices (kernel names: "sda", "sda1") that live below a USB device's sysfs path.
  virtual common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const = 0;
};

// Makes block devices read-only before anyone mounts them.
class BlockDevices {
 public:
  virtual ~BlockDevices() = default;
  virtual common::Status setReadOnly(const std::string& kernelName) = 0;
  // Undoes setReadOnly (a device allowed again, such as a burner under a temporary exception).
  virtual common::Status setWritable(const std::string& kernelName) = 0;
};

}  // namespace mamori::drivers
