#pragma once
// Storage controllers hot-plugged on the PCI bus (an NVMe drive in a PCIe/Thunderbolt slot, an
// ExpressCard SATA controller). Pure: facts and settings in, verdict out.

#include <cstdint>
#include <string>

#include "policy/DeviceControlSettings.h"

namespace mamori::policy {

// The PCI base class of mass storage controllers (SCSI, IDE, RAID, SATA/AHCI, SAS, NVMe, UFS).
inline constexpr std::uint32_t kPciClassMassStorage = 0x01;

struct PciDeviceFacts {
  std::uint16_t vendorId = 0;
  std::uint16_t deviceId = 0;
  std::uint32_t classCode = 0;  // 24 bits: base class, subclass, programming interface
  std::string serial;           // the Device Serial Number capability, "00-11-...", empty when absent
  std::string slot;             // the hot-plug slot it sits in; empty when none
  bool hotPlugged = false;      // appeared while the agent ran, below a hot-plug slot or a removable port
};

enum class PciDecision { kAllow, kBlock };

std::string_view pciDecisionName(PciDecision decision);

struct PciVerdict {
  PciDecision decision = PciDecision::kAllow;  // what the agent does
  PciDecision decided = PciDecision::kAllow;   // what the policy decided; differs in audit
  bool controlled = false;                     // a hot-plugged storage controller: reported
  bool audit = false;
  std::string reason;
  int allowEntry = -1;  // index into DeviceControlSettings::pciAllow
};

// A SCSI disk that appeared on a non-USB transport while the agent ran (eSATA, a hot-plugged HBA),
// by its INQUIRY strings and unit serial.
struct HotplugDiskFacts {
  std::string vendor;
  std::string model;
  std::string serial;
};

// Follows pcie_storage like a hot-plugged controller; disk_allow entries match by model and, when
// they name them, vendor and serial (exactly, blanks trimmed). allowEntry indexes disk_allow.
PciVerdict evaluateHotplugDisk(const DeviceControlSettings& settings, const HotplugDiskFacts& disk);

// Only hot-plugged devices of base class 01 are controlled; everything else (and whatever was
// present at boot: the system disk) is allowed without a word. Controlled devices follow
// pcie_storage and pci_allow (vendor and device id, and serial and slot when the entry names them).
PciVerdict evaluatePciDevice(const DeviceControlSettings& settings, const PciDeviceFacts& device);

}  // namespace mamori::policy
