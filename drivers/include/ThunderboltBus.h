#pragma once
// Thunderbolt 3 / USB4 devices on the kernel's thunderbolt bus (/sys/bus/thunderbolt/devices). A
// device's PCIe tunnel (an NVMe enclosure's drive, a TB3 dock's USB controller and Ethernet) is built
// only when user space writes its `authorized` at security levels `user` and `secure`; DisplayPort
// and USB4's USB3 tunnels do not wait for it. Reads facts and carries out writes; it never decides
// which device is allowed (docs/decisions/0038).

#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct ThunderboltDevice {
  std::string name;      // the router's kernel name, "<domain>-<route hex>": "0-1", "0-301"
  std::string devpath;   // "/devices/pci0000:00/0000:00:0d.2/domain0/0-0/0-1"
  std::string security;  // its domain's level: "none", "user", "secure", "dponly", "usbonly", "nopcie"; "" unknown
  std::string uniqueId;  // the device's UUID ("d4010000-0070-740e-0312-ce8a8c1b1d1e"); "" when malformed
  std::uint16_t vendorId = 0;  // `vendor` and `device`: Thunderbolt vendor and device ids
  std::uint16_t deviceId = 0;
  std::string vendorName;  // `vendor_name`, `device_name` (firmware strings, cleaned)
  std::string deviceName;
  int authorized = 0;           // 0 no, 1 yes, 2 yes by challenge-response (secure)
  bool hasKey = false;          // the `key` attribute exists: the domain is at security level secure
  bool canDeauthorize = false;  // the domain's `deauthorization` is 1: writing 0 removes the PCIe tunnel
};

class ThunderboltBus {
 public:
  virtual ~ThunderboltBus() = default;
  // False without a thunderbolt bus (no controller, or the module not loaded).
  virtual bool present() const = 0;
  // The device routers (host routers, route 0, are never listed: they are the PC itself).
  virtual common::Result<std::vector<std::string>> deviceNames() const = 0;
  virtual common::Result<ThunderboltDevice> device(const std::string& name) const = 0;
  // Builds its tunnels: key empty -> `authorized` 1 (level user); else the key (64 hex digits) goes
  // to `key` first, then `authorized` 1 (a new key is stored in the device) or 2 (challenge: the
  // device must prove it holds this key).
  virtual common::Status authorize(const std::string& name, const std::string& key, bool challenge) = 0;
  // Tears its PCIe tunnel down (`authorized` 0); only where the domain supports it.
  virtual common::Status deauthorize(const std::string& name) = 0;
};

}  // namespace mamori::drivers
