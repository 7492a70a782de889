#pragma once
// Memory cards in readers that are not USB devices (PCI SDHCI, rtsx_pci: the card is an mmc device
// and its disk is mmcblkN). Pure: facts and settings in, verdict out.

#include <string>

#include "policy/DeviceControlSettings.h"

namespace mamori::policy {

struct MmcCardFacts {
  std::string type;  // the kernel's `type`: "SD", "SDcombo", "MMC", "SDIO"
  std::string cid;   // 32 hex digits
};

enum class CardDecision { kAllow, kReadOnly, kBlock };

std::string_view cardDecisionName(CardDecision decision);

struct CardVerdict {
  CardDecision decision = CardDecision::kAllow;  // what the agent does
  CardDecision decided = CardDecision::kAllow;   // what the policy decided; differs in audit
  bool audit = false;
  std::string reason;
  int allowEntry = -1;  // index into DeviceControlSettings::cardAllow
};

// SD cards (type SD or SDcombo) follow card_readers and card_allow. MMC-type devices are allowed:
// that is soldered eMMC storage (often the system disk) far more often than a removable MMC card.
// SDIO functions (Wi-Fi) carry no storage. Mode off allows; mode audit reports.
CardVerdict evaluateMmcCard(const DeviceControlSettings& settings, const MmcCardFacts& card);

// The allow entry that matched a medium (a card, an optical drive), for decideMedium.
struct MediumAllowMatch {
  std::string what;  // "card", "drive": the subject of the reason
  std::string list;  // the policy key of the allow list: "card_allow"
  int entry = -1;    // the first matching entry; -1 for none
  DeviceAccess access = DeviceAccess::kFull;
  std::string comment;
};

// The verdict for a medium under a block / read_only / allow / audit channel (card_readers,
// optical) and the allow entry that matched it: an entry's access wins over the channel unless the
// channel allows already; mode audit or channel audit decide and enforce nothing. atMostReadOnly, when
// not empty, is why the medium may not be written whatever the channel and the entry say (an optical
// drive inside a USB device allowed read-only): allow becomes read_only, with that reason first.
CardVerdict decideMedium(Mode mode, CardAction action, const std::string& channel, const MediumAllowMatch& match,
                         const std::string& atMostReadOnly = {});

}  // namespace mamori::policy
