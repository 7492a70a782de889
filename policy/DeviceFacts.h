#pragma once
// What the device driver knows about a plugged USB device. drivers/include's UsbDevice maps onto
// this one to one (vendor/product from the device descriptor, serial from iSerial, classes from the
// device and interface descriptors); the agent converts, policy decides.

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::policy {

// What one interface declares beyond its class: enough to recognise MTP and PTP (UsbProtocol.h).
struct UsbInterfaceFacts {
  std::uint8_t interfaceClass = 0;
  std::uint8_t subClass = 0;
  std::uint8_t protocol = 0;
  std::string label;             // the interface string (iInterface); empty when it has none
  bool labelUnreadable = false;  // the descriptor names a string the device did not deliver
  std::string msCompatibleId;    // Microsoft OS descriptor compatible ID of the function it belongs to
  bool msOsUnreadable = false;   // the device announced Microsoft OS descriptors and then did not deliver them
};

inline UsbInterfaceFacts usbInterface(std::uint8_t cls, std::uint8_t subClass = 0, std::uint8_t protocol = 0) {
  UsbInterfaceFacts facts;
  facts.interfaceClass = cls;
  facts.subClass = subClass;
  facts.protocol = protocol;
  return facts;
}

struct UsbDeviceFacts {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::string serial;  // empty when the device has none
  std::uint8_t deviceClass = 0;
  // bInterfaceClass of every interface of the active configuration, in descriptor order.
  std::vector<std::uint8_t> interfaceClasses;
  // The same interfaces in more detail when the driver read them (same length and order as
  // interfaceClasses); empty when only the classes are known.
  std::vector<UsbInterfaceFacts> interfaces = {};  // (an initializer: aggregates may leave it out)
};

}  // namespace mamori::policy
