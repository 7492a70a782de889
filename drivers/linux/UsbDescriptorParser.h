#pragma once
// Parsing of the raw descriptors the kernel exposes in sysfs (the `descriptors` file: the device
// descriptor followed by every configuration descriptor with its interfaces and endpoints). Pure and
// fuzzed: a device may send anything. Needed because an unauthorized device has no interface
// directories in sysfs, and its interface classes decide whether it may be authorized.

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"

namespace mamori::drivers::linux_os {

struct UsbDescriptors {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::uint8_t deviceClass = 0;
  std::uint8_t configurations = 0;
  // The first configuration's interfaces, alternate setting 0, in descriptor order (name empty).
  std::vector<UsbInterface> interfaces;
};

common::Result<UsbDescriptors> parseUsbDescriptors(std::string_view bytes);

}  // namespace mamori::drivers::linux_os
