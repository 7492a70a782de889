#pragma once
// Memory cards on the kernel's mmc bus (SD cards in PCI readers: sdhci-pci, rtsx_pci). The mmc bus
// has no authorization attributes; a card gets its block device (mmcblkN) when the mmcblk driver
// binds it, so the bus's drivers_autoprobe decides whether new cards bind on their own. Reads facts
// and carries out writes; it never decides which card is allowed.

#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct MmcCard {
  std::string name;     // kernel name: "mmc0:0001"
  std::string devpath;  // "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:0001"
  std::string type;     // "SD", "SDcombo", "MMC", "SDIO"
  std::string cid;      // 32 hex digits; empty for SDIO
  std::string serial;   // "0x..." as the kernel shows it
  std::string manfid;
  std::string oemid;
  std::string productName;  // the card's `name`
  bool bound = false;       // a driver (mmcblk) has it: its block device exists
};

class MmcBus {
 public:
  virtual ~MmcBus() = default;
  // False when the kernel has no mmc bus (no mmc_core loaded): nothing to control.
  virtual bool present() const = 0;
  // 0: cards that appear stay without a driver until bind(); 1: the kernel's default.
  virtual common::Status setAutoprobe(bool on) = 0;
  virtual common::Result<std::vector<std::string>> cardNames() const = 0;
  virtual common::Result<MmcCard> card(const std::string& name) const = 0;
  // Asks the kernel to bind a driver (mmcblk) to the card / releases it (its block device goes).
  virtual common::Status bind(const std::string& name) = 0;
  virtual common::Status unbind(const std::string& name) = 0;
  // Block devices (kernel names: "mmcblk0", "mmcblk0p1") below the card.
  virtual common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const = 0;
};

}  // namespace mamori::drivers
