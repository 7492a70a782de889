#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/include/StorageNodes.h"

namespace mamori::drivers::linux_os {

// Storage nodes from sysfs (/sys/dev/block, /sys/dev/char: links named "MAJOR:MINOR" to the device)
// and /proc/devices; BLKRRPART on /dev/<disk>. The roots are "/sys", "/proc" and "/dev" on a real
// system, recorded trees in tests.
class LinuxStorageNodes final : public StorageNodes {
 public:
  explicit LinuxStorageNodes(std::string sysfsRoot = "/sys", std::string procRoot = "/proc",
                             std::string devRoot = "/dev")
      : sysfs_(std::move(sysfsRoot)), proc_(std::move(procRoot)), dev_(std::move(devRoot)) {}

  common::Result<std::map<std::string, std::uint32_t>> majors(bool block) const override;
  common::Result<std::vector<StorageNode>> nodesOn(const std::vector<DeviceNumber>& majors) const override;
  common::Result<StorageNode> node(const DeviceNumber& number) const override;
  common::Status rereadPartitions(const std::string& disk) override;
  common::Status announce(const StorageNode& node) override;

 private:
  common::Result<StorageNode> nodeAt(const DeviceNumber& number, const std::string& link) const;

  std::string sysfs_;
  std::string proc_;
  std::string dev_;
};

// Pure parts, tested with strings.
// /proc/devices: name -> major of the "Character devices:" or "Block devices:" section.
std::map<std::string, std::uint32_t> parseProcDevices(std::string_view text, bool block);
// "259:3" -> its major and minor; nullopt when malformed.
std::optional<DeviceNumber> parseDeviceNumber(std::string_view text, bool block);
// The nearest PCI function ("0000:02:00.0") in a devpath; "" when none.
std::string nearestPciFunction(std::string_view devpath);
}  // namespace mamori::drivers::linux_os
