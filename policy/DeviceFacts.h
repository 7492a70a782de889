#pragma once
// What the device driver knows about a plugged USB device. drivers/include's UsbDevice maps onto
// this one to one (vendor/product from the device descriptor, serial from iSerial, classes from the
// device and interface descriptors); the agent converts, policy decides.

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::policy {

struct UsbDeviceFacts {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::string serial;  // empty when the device has none
  std::uint8_t deviceClass = 0;
  // bInterfaceClass of every interface of the active configuration, in descriptor order.
  std::vector<std::uint8_t> interfaceClasses;
};

}  // namespace mamori::policy
