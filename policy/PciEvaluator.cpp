#include "policy/PciEvaluator.h"

#include <cctype>

namespace mamori::policy {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool matches(const AllowedPciDevice& entry, const PciDeviceFacts& device, const std::string& serial) {
  if (entry.vendorId != device.vendorId || entry.deviceId != device.deviceId) return false;
  // A device that shows no serial (or no slot) never matches an entry that names one.
  if (!entry.serial.empty() && entry.serial != serial) return false;
  return entry.slot.empty() || entry.slot == device.slot;
}

}  // namespace

std::string_view pciDecisionName(PciDecision decision) { return decision == PciDecision::kAllow ? "allow" : "block"; }

namespace {

// The channel's verdict for a controlled device before its allow list: pcie_storage.
PciVerdict channelDecision(const DeviceControlSettings& settings) {
  PciVerdict verdict;
  verdict.controlled = true;
  verdict.decided = settings.pcieStorage == ChannelAction::kAllow ? PciDecision::kAllow : PciDecision::kBlock;
  verdict.reason = "pcie_storage is " + std::string(channelActionName(settings.pcieStorage));
  return verdict;
}

template <typename Entry, typename Matches>
void applyAllowList(const std::vector<Entry>& entries, const char* list, Matches matches, PciVerdict& verdict) {
  for (std::size_t i = 0; i < entries.size() && verdict.decided == PciDecision::kBlock; ++i) {
    const auto& entry = entries[i];
    if (!matches(entry)) continue;
    verdict.allowEntry = static_cast<int>(i);
    verdict.decided = PciDecision::kAllow;
    verdict.reason = "allowed by " + std::string(list) + " entry " + std::to_string(i) +
                     (entry.comment.empty() ? "" : " (" + entry.comment + ")");
  }
}

// What enforce or audit makes of the decided verdict.
void settle(const DeviceControlSettings& settings, PciVerdict& verdict) {
  const bool enforce = settings.mode == Mode::kEnforce && settings.pcieStorage != ChannelAction::kAudit;
  verdict.decision = enforce ? verdict.decided : PciDecision::kAllow;
  verdict.audit = verdict.decision != verdict.decided;
  if (verdict.audit) {
    verdict.reason = std::string(settings.mode == Mode::kAudit ? "audit mode" : "audit") + ", would " +
                     std::string(pciDecisionName(verdict.decided)) + ": " + verdict.reason;
  }
}

}  // namespace

PciVerdict evaluateHotplugDisk(const DeviceControlSettings& settings, const HotplugDiskFacts& disk) {
  if (settings.mode == Mode::kOff) {
    PciVerdict verdict;
    verdict.reason = "device control is off";
    return verdict;
  }
  PciVerdict verdict = channelDecision(settings);
  applyAllowList(
      settings.diskAllow, "disk_allow",
      [&](const AllowedDisk& entry) {
        // A disk without a serial never matches an entry that names one.
        return entry.model == disk.model && (entry.vendor.empty() || entry.vendor == disk.vendor) &&
               (entry.serial.empty() || entry.serial == disk.serial);
      },
      verdict);
  settle(settings, verdict);
  return verdict;
}

PciVerdict evaluatePciDevice(const DeviceControlSettings& settings, const PciDeviceFacts& device) {
  PciVerdict verdict;
  if (settings.mode == Mode::kOff) {
    verdict.reason = "device control is off";
    return verdict;
  }
  if ((device.classCode >> 16U) != kPciClassMassStorage) {
    verdict.reason = "not a storage controller";
    return verdict;
  }
  if (!device.hotPlugged) {
    verdict.reason = "present at start or not in a hot-plug slot: never touched";
    return verdict;
  }
  verdict = channelDecision(settings);
  const std::string serial = lower(device.serial);
  applyAllowList(
      settings.pciAllow, "pci_allow", [&](const AllowedPciDevice& entry) { return matches(entry, device, serial); },
      verdict);
  settle(settings, verdict);
  return verdict;
}

}  // namespace mamori::policy
