#pragma once

#include <string>

#include "drivers/include/ThunderboltBus.h"

namespace mamori::drivers::linux_os {

// The thunderbolt bus through sysfs (/sys/bus/thunderbolt). sysfsRoot is "/sys", a recorded tree in tests.
class LinuxThunderboltBus final : public ThunderboltBus {
 public:
  explicit LinuxThunderboltBus(std::string sysfsRoot = "/sys") : root_(std::move(sysfsRoot)) {}

  bool present() const override;
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<ThunderboltDevice> device(const std::string& name) const override;
  common::Status authorize(const std::string& name, const std::string& key, bool challenge) override;
  common::Status deauthorize(const std::string& name) override;

 private:
  std::string devicesDir() const { return root_ + "/bus/thunderbolt/devices"; }
  std::string root_;
};

}  // namespace mamori::drivers::linux_os
