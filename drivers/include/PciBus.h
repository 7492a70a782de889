#pragma once
// Devices on the kernel's PCI bus, for storage controllers hot-plugged into a PCIe slot (NVMe drives,
// Thunderbolt enclosures, ExpressCard SATA). The PCI bus has no authorization attribute and binds
// hot-plugged devices whatever drivers_autoprobe says, so a device is kept from its driver with
// driver_override and unbound if the driver got there first (docs/decisions/0033). Reads facts and
// carries out writes; it never decides which device is allowed.

#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct PciDevice {
  std::string name;     // kernel name, the address: "0000:01:00.0"
  std::string devpath;  // "/devices/pci0000:00/0000:00:02.0/0000:01:00.0"
  std::uint16_t vendorId = 0;
  std::uint16_t deviceId = 0;
  std::uint16_t subsystemVendorId = 0;
  std::uint16_t subsystemDeviceId = 0;
  std::uint32_t classCode = 0;  // 24 bits: 0x010802 is NVMe
  std::string serial;           // Device Serial Number capability, "00-11-22-ff-fe-33-44-55"; empty when absent
  std::string slot;             // the hot-plug slot it sits in (on its bus or an upstream one); empty when none
  bool removable = false;       // the kernel marks it removable (behind an external-facing port)
  std::string driver;           // the bound driver's name; empty when none
  std::string driverOverride;   // empty when none
};

class PciBus {
 public:
  virtual ~PciBus() = default;
  virtual bool present() const = 0;
  virtual common::Result<std::vector<std::string>> deviceNames() const = 0;
  virtual common::Result<PciDevice> device(const std::string& name) const = 0;
  // Only the driver named `driver` may bind the device from now on; "" lets every driver bind again.
  virtual common::Status setDriverOverride(const std::string& name, const std::string& driver) = 0;
  // Releases the device from its driver (its block devices go); nothing when none is bound.
  virtual common::Status unbind(const std::string& name) = 0;
  // Asks the kernel to bind a matching driver (drivers_probe).
  virtual common::Status probe(const std::string& name) = 0;
  // Block devices ("nvme0n1", "sda") below the device.
  virtual common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const = 0;
};

}  // namespace mamori::drivers
