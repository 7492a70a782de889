#pragma once
// One USB device's usbfs node (/dev/bus/usb/BBB/DDD), for control transfers on endpoint 0. Works on
// an unauthorized device too: it has an address, and reading descriptors binds no driver. Used only
// to read descriptors the kernel does not expose in sysfs (LinuxUsbBus::readInterfaceDetails).

#include <cstdint>
#include <string>

#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::drivers::linux_os {

class UsbfsDevice {
 public:
  // devRoot is "/dev" on a real system.
  static common::Result<UsbfsDevice> open(const std::string& devRoot, std::uint16_t bus, std::uint16_t device);

  // A device-to-host control transfer of at most `length` bytes (<= 4096); returns what the device
  // sent. A stall, a timeout or an unplug is an error value.
  common::Result<std::string> controlIn(std::uint8_t requestType, std::uint8_t request, std::uint16_t value,
                                        std::uint16_t index, std::uint16_t length, unsigned timeoutMs) const;
  // GET_DESCRIPTOR(STRING, index, language) of at most 255 bytes.
  common::Result<std::string> stringDescriptor(std::uint8_t index, std::uint16_t language, unsigned timeoutMs) const;

 private:
  UsbfsDevice(common::UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  common::UniqueFd fd_;
  std::string path_;
};

}  // namespace mamori::drivers::linux_os
