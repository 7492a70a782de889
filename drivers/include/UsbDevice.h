#pragma once
// Facts about one USB device as the kernel shows it in sysfs. Drivers fill these in; policy decides.

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::drivers {

struct UsbInterface {
  // Kernel name of the interface ("2-1:1.0"); empty when the device is not configured (an
  // unauthorized device has no interfaces in sysfs, only in its raw descriptors).
  std::string name;
  std::uint8_t number = 0;
  std::uint8_t interfaceClass = 0;
  std::uint8_t subClass = 0;
  std::uint8_t protocol = 0;
  bool authorized = false;
};

struct UsbDevice {
  std::string name;     // kernel name: "usb2" for a root hub, "2-1" or "2-1.3" for a device
  std::string devpath;  // sysfs path below the root: "/devices/pci0000:00/0000:00:04.0/usb2/2-1"
  bool rootHub = false;
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::uint8_t deviceClass = 0;
  std::string manufacturer;  // string descriptors; empty when the device has none
  std::string product;
  std::string serial;
  bool authorized = false;
  bool configured = false;  // the kernel selected a configuration: interfaces exist in sysfs
  // The active configuration's interfaces (alternate setting 0) when configured; otherwise those of
  // the first configuration in the raw descriptors, which the kernel would select.
  std::vector<UsbInterface> interfaces;
};

}  // namespace mamori::drivers
