#pragma once

#include <string>

#include "drivers/include/PciBus.h"

namespace mamori::drivers::linux_os {

// The PCI bus through sysfs (/sys/bus/pci). sysfsRoot is "/sys", a recorded tree in tests.
class LinuxPciBus final : public PciBus {
 public:
  explicit LinuxPciBus(std::string sysfsRoot = "/sys") : root_(std::move(sysfsRoot)) {}

  bool present() const override;
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<PciDevice> device(const std::string& name) const override;
  common::Status setDriverOverride(const std::string& name, const std::string& driver) override;
  common::Status unbind(const std::string& name) override;
  common::Status probe(const std::string& name) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  std::string busDir() const { return root_ + "/bus/pci"; }
  std::string root_;
};

}  // namespace mamori::drivers::linux_os
