#include "policy/ThunderboltEvaluator.h"

namespace mamori::policy {

ThunderboltVerdict evaluateThunderboltDevice(const DeviceControlSettings& settings,
                                             const ThunderboltDeviceFacts& device) {
  ThunderboltVerdict verdict;
  if (settings.mode == Mode::kOff) {
    verdict.reason = "device control is off";
    return verdict;
  }
  verdict.decided = settings.thunderbolt == ChannelAction::kAllow ? PciDecision::kAllow : PciDecision::kBlock;
  verdict.reason = "thunderbolt is " + std::string(channelActionName(settings.thunderbolt));
  for (std::size_t i = 0; i < settings.thunderboltAllow.size() && verdict.decided == PciDecision::kBlock; ++i) {
    const auto& entry = settings.thunderboltAllow[i];
    const bool matches = entry.uniqueId.empty() ? entry.vendorId == device.vendorId && entry.deviceId == device.deviceId
                                                : !device.uniqueId.empty() && entry.uniqueId == device.uniqueId;
    if (!matches) continue;
    verdict.allowEntry = static_cast<int>(i);
    verdict.decided = PciDecision::kAllow;
    verdict.reason = "allowed by thunderbolt_allow entry " + std::to_string(i) +
                     (entry.comment.empty() ? "" : " (" + entry.comment + ")");
  }
  const bool gated = device.security == "user" || device.security == "secure";
  const bool kept = device.authorizedAtStart && settings.thunderboltKeepAuthorized;
  verdict.enforceable = gated && !kept;
  const bool enforce =
      settings.mode == Mode::kEnforce && settings.thunderbolt != ChannelAction::kAudit && verdict.enforceable;
  verdict.decision = enforce ? verdict.decided : PciDecision::kAllow;
  verdict.audit = verdict.decision != verdict.decided;
  if (!verdict.audit) return verdict;
  std::string why;
  if (settings.mode == Mode::kAudit) {
    why = "audit mode";
  } else if (settings.thunderbolt == ChannelAction::kAudit) {
    why = "audit";
  } else if (gated) {
    why = "authorized before the agent started (thunderbolt_keep_authorized)";
  } else if (device.security == "none") {
    why = "security level none: the kernel authorized it (the pcie_storage channel still applies)";
  } else if (device.security.empty()) {
    why = "security level unknown";
  } else {
    why = "security level " + device.security + ": no PCIe tunnels";
  }
  verdict.reason = why + ", would " + std::string(pciDecisionName(verdict.decided)) + ": " + verdict.reason;
  return verdict;
}

}  // namespace mamori::policy
