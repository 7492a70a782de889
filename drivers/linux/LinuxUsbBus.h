#pragma once

#include <filesystem>
#include <string>

#include "drivers/include/UsbBus.h"

namespace mamori::drivers::linux_os {

// The USB bus through sysfs, and usbfs for the descriptors sysfs lacks. sysfsRoot is "/sys" on a real
// system, a copy of a recorded tree in tests; devRoot is "/dev".
class LinuxUsbBus final : public UsbBus {
 public:
  explicit LinuxUsbBus(std::string sysfsRoot = "/sys", std::string devRoot = "/dev")
      : root_(std::move(sysfsRoot)), devRoot_(std::move(devRoot)) {}

  bool present() const override;
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<UsbDevice> device(const std::string& name) const override;
  void readInterfaceDetails(UsbDevice& device) const override;
  common::Status setAuthorizedDefault(const std::string& rootHub, bool authorized) override;
  common::Status setInterfaceAuthorizedDefault(const std::string& rootHub, bool authorized) override;
  common::Status setNewControllersAuthorized(bool authorized) override;
  common::Status setDeviceAuthorized(const std::string& name, bool authorized) override;
  common::Status setInterfaceAuthorized(const std::string& interfaceName, bool authorized) override;
  common::Status probeInterface(const std::string& interfaceName) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  std::string devicesDir() const { return root_ + "/bus/usb/devices"; }
  common::Status writeAttribute(const std::string& path, const std::string& value) const;

  std::string root_;
  std::string devRoot_;
  std::string openControllersValue_;  // usbcore's authorized_default before the first close ("" = not closed)
};

// Reads one sysfs attribute: its text without the trailing newline.
common::Result<std::string> readSysfsAttribute(const std::string& path);

// Like readSysfsAttribute, "" when the attribute is absent or unreadable (an optional fact).
std::string readOptionalSysfsAttribute(const std::string& path);

// The names in a sysfs folder (a bus's devices/), sorted.
common::Result<std::vector<std::string>> listSysfsNames(const std::string& dir);

// Releases a device from its driver through <deviceDir>/driver/unbind; nothing when none is bound.
common::Status unbindSysfsDevice(const std::string& deviceDir, const std::string& name);

// Reads one sysfs file as it is (binary attributes such as a PCI device's config), at most 64 KiB.
common::Result<std::string> readSysfsBytes(const std::string& path);

// Writes one sysfs attribute (one write(2): the kernel acts on it as a whole).
common::Status writeSysfsAttribute(const std::string& path, const std::string& value);

// The path of `dir` relative to the sysfs root, starting with '/', or "" if it is not below it.
std::string relativeTo(const std::string& root, const std::filesystem::path& dir);

// Block devices (class/block entries) whose device lives below devpath, disks before partitions.
common::Result<std::vector<std::string>> blockDevicesBelow(const std::string& sysfsRoot, const std::string& devpath);

// A kernel name must be one path element: no '/', not "." or "..". Names come from uevents.
bool isSafeKernelName(const std::string& name);

}  // namespace mamori::drivers::linux_os
