#include "drivers/linux/LinuxThunderboltBus.h"

#include <cerrno>
#include <filesystem>

#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/OpticalSysfsParser.h"
#include "drivers/linux/PciSysfsParser.h"
#include "drivers/linux/ThunderboltSysfsParser.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

bool LinuxThunderboltBus::present() const {
  std::error_code ec;
  return fs::is_directory(devicesDir(), ec);
}

common::Result<std::vector<std::string>> LinuxThunderboltBus::deviceNames() const {
  auto names = listSysfsNames(devicesDir());
  if (!names) return names.error();
  std::vector<std::string> devices;
  for (const auto& name : names.value()) {
    if (isThunderboltDeviceName(name)) devices.push_back(name);
  }
  return devices;
}

common::Result<ThunderboltDevice> LinuxThunderboltBus::device(const std::string& name) const {
  if (!isThunderboltDeviceName(name)) return common::makeError("not a Thunderbolt device name", name);
  const std::string dir = devicesDir() + "/" + name;
  ThunderboltDevice device;
  device.name = name;
  device.devpath = relativeTo(root_, dir);
  if (device.devpath.empty()) return common::makeError("no such Thunderbolt device", dir, ENOENT);
  auto authorized = readSysfsAttribute(dir + "/authorized");
  if (!authorized) return authorized.error();
  const auto level = parseThunderboltAuthorized(authorized.value());
  if (!level) return common::makeError("expected 0, 1 or 2, found \"" + authorized.value() + "\"", dir + "/authorized");
  device.authorized = *level;
  device.uniqueId = parseThunderboltUuid(readOptionalSysfsAttribute(dir + "/unique_id"));
  device.vendorId = static_cast<std::uint16_t>(parsePciHex(readOptionalSysfsAttribute(dir + "/vendor"), 4).value_or(0));
  device.deviceId = static_cast<std::uint16_t>(parsePciHex(readOptionalSysfsAttribute(dir + "/device"), 4).value_or(0));
  device.vendorName = cleanInquiryText(readOptionalSysfsAttribute(dir + "/vendor_name"));
  device.deviceName = cleanInquiryText(readOptionalSysfsAttribute(dir + "/device_name"));
  std::error_code ec;
  device.hasKey = fs::exists(dir + "/key", ec);
  const std::string domain = thunderboltDomainOf(device.devpath);
  if (!domain.empty()) {
    device.security = parseThunderboltSecurity(readOptionalSysfsAttribute(devicesDir() + "/" + domain + "/security"));
    device.canDeauthorize = readOptionalSysfsAttribute(devicesDir() + "/" + domain + "/deauthorization") == "1";
  }
  return device;
}

common::Status LinuxThunderboltBus::authorize(const std::string& name, const std::string& key, bool challenge) {
  if (!isThunderboltDeviceName(name)) return common::makeError("not a Thunderbolt device name", name);
  const std::string dir = devicesDir() + "/" + name;
  if (!key.empty()) {
    if (auto written = writeSysfsAttribute(dir + "/key", key); !written) return written;
  }
  return writeSysfsAttribute(dir + "/authorized", !key.empty() && challenge ? "2" : "1");
}

common::Status LinuxThunderboltBus::deauthorize(const std::string& name) {
  if (!isThunderboltDeviceName(name)) return common::makeError("not a Thunderbolt device name", name);
  return writeSysfsAttribute(devicesDir() + "/" + name + "/authorized", "0");
}

}  // namespace mamori::drivers::linux_os
