#pragma once
// An NVMe drive put into hot-plug slot 1 of the recorded PCIe tree (tests/fixtures/sysfs/pcie) after
// the one recorded there was taken out: what PciStorageControl's tests hot-plug.
#include <string>

#include "drivers/include/PciBus.h"

namespace mamori::agent::device::test {

inline constexpr char kSlotted[] = "/devices/pci0000:00/0000:00:02.0/0000:01:00.0";

inline drivers::PciDevice newDrive(const std::string& serial = "0a-0b-0c-0d-0e-0f-10-11") {
  drivers::PciDevice device;
  device.name = "0000:01:00.0";
  device.devpath = kSlotted;
  device.vendorId = 0x144d;
  device.deviceId = 0xa80a;
  device.classCode = 0x010802;
  device.serial = serial;
  device.slot = "1";
  return device;
}

}  // namespace mamori::agent::device::test
