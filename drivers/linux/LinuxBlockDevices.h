#pragma once

#include <string>

#include "drivers/include/UsbBus.h"

namespace mamori::drivers::linux_os {

// BLKROSET (1, or 0 for setWritable) on /dev/<name>. devRoot is "/dev" on a real system.
class LinuxBlockDevices final : public BlockDevices {
 public:
  explicit LinuxBlockDevices(std::string devRoot = "/dev") : devRoot_(std::move(devRoot)) {}
  common::Status setReadOnly(const std::string& kernelName) override;
  common::Status setWritable(const std::string& kernelName) override;

 private:
  common::Status setFlag(const std::string& kernelName, int readOnly);

  std::string devRoot_;
};

}  // namespace mamori::drivers::linux_os
