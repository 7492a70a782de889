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
  std::uint8_t stringIndex = 0;  // iInterface; 0 = the interface has no string
  // The interface string: sysfs `interface` when configured, else read from the device
  // (UsbBus::readInterfaceDetails). labelUnreadable: stringIndex names a string that was not delivered.
  std::string label = {};
  bool labelUnreadable = false;
};

// One function of a Microsoft OS 1.0 extended compat ID descriptor (the "MSFT100" string descriptor
// at index 0xEE names the vendor request that returns it): Windows loads its MTP driver for "MTP".
struct UsbMsOsFunction {
  std::uint8_t firstInterface = 0;
  std::string compatibleId;  // up to 8 ASCII characters, NUL padding removed
  std::string subCompatibleId;
};

enum class UsbMsOsState {
  kNotRead,     // not asked (no reason to, or the device could not be opened)
  kAbsent,      // no "MSFT100" string at 0xEE: the device has none (most devices)
  kPresent,     // msOsFunctions holds the compat IDs
  kUnreadable,  // announced by the 0xEE string, then not delivered or malformed
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
  bool configured = false;
  std::uint16_t busNumber = 0;     // busnum / devnum: the usbfs node /dev/bus/usb/BBB/DDD; 0 = unknown
  std::uint16_t deviceNumber = 0;  // the kernel selected a configuration: interfaces exist in sysfs
  // The active configuration's interfaces (alternate setting 0) when configured; otherwise those of
  // the configuration in the raw descriptors that the kernel would select (a prediction: see
  // linux_os::chosenConfiguration; DeviceControl checks what the kernel configured).
  std::vector<UsbInterface> interfaces;
  UsbMsOsState msOs = UsbMsOsState::kNotRead;
  std::vector<UsbMsOsFunction> msOsFunctions = {};
};

}  // namespace mamori::drivers
