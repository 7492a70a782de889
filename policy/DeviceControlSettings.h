#pragma once
// The device_control section: what happens when a USB device (or one interface of it) is plugged in.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/Mode.h"
#include "policy/UsbClass.h"

namespace mamori::policy {

enum class DeviceAction { kAllow, kBlock, kReadOnly };

std::string_view deviceActionName(DeviceAction action);

enum class DeviceAccess { kFull, kReadOnly };

// What a channel (a way files leave the PC, such as phones) does with the devices it recognises.
// audit: decide as block, report "would block", enforce nothing (for that channel only).
enum class ChannelAction { kBlock, kAllow, kAudit };

std::string_view channelActionName(ChannelAction action);

// One company-issued device. serial empty = every device with this vendor and product id.
struct AllowedDevice {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::string serial;
  DeviceAccess access = DeviceAccess::kFull;
  std::string comment;
};

// What happens to a memory card inserted in a reader that is not a USB device (PCI SDHCI, rtsx):
// the card's block device (mmcblkN) is withheld, read-only, or usable. audit: as block, reported,
// not enforced.
enum class CardAction { kBlock, kReadOnly, kAllow, kAudit };

std::string_view cardActionName(CardAction action);

// One company-issued memory card, by its CID (32 hex digits: manufacturer, OEM, name, revision,
// serial and date; unique per card).
struct AllowedCard {
  std::string cid;  // lower-case hex
  DeviceAccess access = DeviceAccess::kFull;
  std::string comment;
};

// One company-issued PCI storage device (an NVMe drive or a SATA controller in a hot-plug slot, a
// Thunderbolt enclosure's controller). serial empty = any serial; slot empty = any slot.
struct AllowedPciDevice {
  std::uint16_t vendorId = 0;
  std::uint16_t deviceId = 0;
  std::string serial;  // the PCIe Device Serial Number as lspci prints it: "00-11-22-ff-fe-33-44-55"
  std::string slot;    // the hot-plug slot's name (/sys/bus/pci/slots/<name>)
  std::string comment;
};

// One company-issued disk on a non-USB transport (eSATA, a SAS/SCSI HBA) by the SCSI INQUIRY strings
// and unit serial sysfs shows (/sys/block/sdX/device/vendor, model, vpd_pg80; lsblk -o VENDOR,MODEL,SERIAL).
// vendor empty = any vendor; serial empty = every unit of the model.
struct AllowedDisk {
  std::string vendor;
  std::string model;
  std::string serial;
  std::string comment;
};

// One company-issued optical drive (CD/DVD/BD burner) by the SCSI INQUIRY strings sysfs shows
// (/sys/bus/scsi/devices/H:C:T:L/vendor and model, blanks trimmed). model empty = every model of the vendor.
struct AllowedOpticalDrive {
  std::string vendor;
  std::string model;
  DeviceAccess access = DeviceAccess::kFull;
  std::string comment;
};

// One company-issued Thunderbolt/USB4 device (a dock, an enclosure): by its UUID (`unique_id`), or
// by vendor and device id for every unit of a model (uniqueId empty).
struct AllowedThunderboltDevice {
  std::string uniqueId;  // lower-case 8-4-4-4-12 hex
  std::uint16_t vendorId = 0;
  std::uint16_t deviceId = 0;
  std::string comment;
};

struct DeviceControlSettings {
  Mode mode = Mode::kEnforce;
  // For interface classes that classActions does not name.
  DeviceAction defaultAction = DeviceAction::kAllow;
  // Per interface class. The policy's class_actions are merged over these defaults, so leaving
  // mass_storage out of a policy never unblocks sticks by accident.
  std::map<std::uint8_t, DeviceAction> classActions = {
      {usb::kMassStorage, DeviceAction::kBlock},
      {usb::kStillImage, DeviceAction::kBlock},
  };
  std::vector<AllowedDevice> allow;
  // Interfaces recognised as MTP or PTP (policy/UsbProtocol.h) are decided by this, not by
  // classActions: an Android phone's MTP interface is vendor-specific (0xff), a camera's is still_image.
  ChannelAction phones = ChannelAction::kBlock;
  // SD cards in PCI readers (USB card readers are mass_storage and follow classActions).
  CardAction cardReaders = CardAction::kBlock;
  std::vector<AllowedCard> cardAllow;
  // Storage controllers (PCI class 01: NVMe, AHCI, IDE, RAID) hot-plugged into a PCIe slot while the
  // agent runs (docs/decisions/0033). Devices present at boot are never decided.
  ChannelAction pcieStorage = ChannelAction::kBlock;
  std::vector<AllowedPciDevice> pciAllow;
  // The same channel decides SCSI disks (sd) that appear on a non-USB transport while the agent runs
  // (eSATA, a hot-plugged SAS/SCSI HBA's disks: docs/decisions/0055); these are allowed by disk_allow.
  std::vector<AllowedDisk> diskAllow;
  // CD/DVD/BD drives on any bus (SATA, SCSI, USB): burning goes through SCSI commands on the drive's
  // device nodes, so the agent refuses opens of those nodes (docs/decisions/0037). read_only: discs
  // can be read, nothing can be burnt. Same four actions as card readers.
  CardAction optical = CardAction::kReadOnly;
  std::vector<AllowedOpticalDrive> opticalAllow;
  // Thunderbolt/USB4 devices: their PCIe tunnel is built only when the agent writes `authorized`
  // (security levels user and secure; docs/decisions/0038). Displays and USB4's USB keep working.
  // allow by default: a Thunderbolt 3 dock's USB ports and Ethernet are PCIe devices inside it, and docks
  // must never be locked out; storage behind the tunnel is still refused by pcie_storage (block).
  ChannelAction thunderbolt = ChannelAction::kAllow;
  std::vector<AllowedThunderboltDevice> thunderboltAllow;
  // Devices already authorized when the agent first applies a policy (a dock in use, the firmware's
  // boot list) are left as they are; false decides them like new ones (deauthorizing where the
  // domain supports it).
  bool thunderboltKeepAuthorized = true;

  // The configured action for one interface class, before allow-list and mode.
  DeviceAction actionForClass(std::uint8_t interfaceClass) const;
};

}  // namespace mamori::policy
