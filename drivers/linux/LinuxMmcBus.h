#pragma once

#include <string>

#include "drivers/include/MmcBus.h"

namespace mamori::drivers::linux_os {

// The mmc bus through sysfs (/sys/bus/mmc). sysfsRoot is "/sys", a recorded tree in tests.
class LinuxMmcBus final : public MmcBus {
 public:
  explicit LinuxMmcBus(std::string sysfsRoot = "/sys") : root_(std::move(sysfsRoot)) {}

  bool present() const override;
  common::Status setAutoprobe(bool on) override;
  common::Result<std::vector<std::string>> cardNames() const override;
  common::Result<MmcCard> card(const std::string& name) const override;
  common::Status bind(const std::string& name) override;
  common::Status unbind(const std::string& name) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  std::string busDir() const { return root_ + "/bus/mmc"; }
  std::string root_;
};

}  // namespace mamori::drivers::linux_os
