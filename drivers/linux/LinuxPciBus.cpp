#include "drivers/linux/LinuxPciBus.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/PciSysfsParser.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

namespace {

common::Result<std::uint32_t> hexAttribute(const std::string& path, std::size_t digits) {
  auto text = readSysfsAttribute(path);
  if (!text) return text.error();
  const auto value = parsePciHex(text.value(), digits);
  if (!value) return common::makeError("expected a hex number, found \"" + text.value() + "\"", path);
  return *value;
}

// (name, address) of every hot-plug slot the kernel knows (pciehp, acpiphp).
std::vector<std::pair<std::string, std::string>> slots(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string address = readOptionalSysfsAttribute(it->path().string() + "/address");
    if (!address.empty()) found.emplace_back(it->path().filename().string(), address);
  }
  return found;
}

}  // namespace

bool LinuxPciBus::present() const {
  std::error_code ec;
  return fs::is_directory(busDir() + "/devices", ec);
}

common::Result<std::vector<std::string>> LinuxPciBus::deviceNames() const {
  return listSysfsNames(busDir() + "/devices");
}

common::Result<PciDevice> LinuxPciBus::device(const std::string& name) const {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  const std::string dir = busDir() + "/devices/" + name;
  PciDevice device;
  device.name = name;
  device.devpath = relativeTo(root_, dir);
  if (device.devpath.empty()) return common::makeError("no such PCI device", dir, ENOENT);
  auto vendor = hexAttribute(dir + "/vendor", 4);
  auto id = hexAttribute(dir + "/device", 4);
  auto cls = hexAttribute(dir + "/class", 6);
  if (!vendor) return vendor.error();
  if (!id) return id.error();
  if (!cls) return cls.error();
  device.vendorId = static_cast<std::uint16_t>(vendor.value());
  device.deviceId = static_cast<std::uint16_t>(id.value());
  device.classCode = cls.value();
  auto subVendor = hexAttribute(dir + "/subsystem_vendor", 4);
  auto subDevice = hexAttribute(dir + "/subsystem_device", 4);
  device.subsystemVendorId = subVendor ? static_cast<std::uint16_t>(subVendor.value()) : 0;
  device.subsystemDeviceId = subDevice ? static_cast<std::uint16_t>(subDevice.value()) : 0;
  auto config = readSysfsBytes(dir + "/config");
  device.serial = config ? parseDeviceSerialNumber(config.value()) : std::string();
  device.slot = hotPlugSlotOf(device.devpath, slots(busDir() + "/slots"));
  device.removable = readOptionalSysfsAttribute(dir + "/removable") == "removable";
  std::error_code ec;
  const fs::path driver = fs::read_symlink(dir + "/driver", ec);
  if (!ec) device.driver = driver.filename().string();
  device.driverOverride = readOptionalSysfsAttribute(dir + "/driver_override");
  if (device.driverOverride == "(null)") device.driverOverride.clear();
  return device;
}

common::Status LinuxPciBus::setDriverOverride(const std::string& name, const std::string& driver) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  // A lone newline clears the override (the kernel ignores one trailing newline).
  return writeSysfsAttribute(busDir() + "/devices/" + name + "/driver_override", driver.empty() ? "\n" : driver);
}

common::Status LinuxPciBus::unbind(const std::string& name) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  return unbindSysfsDevice(busDir() + "/devices/" + name, name);
}

common::Status LinuxPciBus::probe(const std::string& name) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  return writeSysfsAttribute(busDir() + "/drivers_probe", name);
}

common::Result<std::vector<std::string>> LinuxPciBus::blockDevicesUnder(const std::string& devpath) const {
  return blockDevicesBelow(root_, devpath);
}

}  // namespace mamori::drivers::linux_os
