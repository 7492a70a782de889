#pragma once

#include <string>

#include "drivers/include/OpticalDrives.h"

namespace mamori::drivers::linux_os {

// Optical drives through sysfs (/sys/bus/scsi/devices/*/type == 5). sysfsRoot is "/sys" and devRoot
// "/dev", a recorded tree in tests.
class LinuxOpticalDrives final : public OpticalDrives {
 public:
  explicit LinuxOpticalDrives(std::string sysfsRoot = "/sys", std::string devRoot = "/dev")
      : root_(std::move(sysfsRoot)), devRoot_(std::move(devRoot)) {}

  common::Result<std::vector<OpticalDrive>> drives() const override;

 private:
  std::string root_;
  std::string devRoot_;
};

}  // namespace mamori::drivers::linux_os
