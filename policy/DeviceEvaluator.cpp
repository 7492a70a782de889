#include "policy/DeviceEvaluator.h"

#include <cstdio>

namespace mamori::policy {

namespace {

std::string hex4(std::uint16_t value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", value);
  return buf;
}

// Serial-specific entries first, so a read-only entry for one stick beats a full entry for its model.
int findAllowEntry(const DeviceControlSettings& settings, const UsbDeviceFacts& device) {
  int generic = -1;
  for (std::size_t i = 0; i < settings.allow.size(); ++i) {
    const auto& entry = settings.allow[i];
    if (entry.vendorId != device.vendorId || entry.productId != device.productId) continue;
    if (!entry.serial.empty() && entry.serial == device.serial) return static_cast<int>(i);
    if (entry.serial.empty() && generic < 0) generic = static_cast<int>(i);
  }
  return generic;
}

std::string describeEntry(const DeviceControlSettings& settings, int index) {
  const auto& entry = settings.allow[static_cast<std::size_t>(index)];
  std::string text = "allow entry " + std::to_string(index) + " (" + hex4(entry.vendorId) + ":" + hex4(entry.productId);
  if (!entry.serial.empty()) text += " serial " + entry.serial;
  if (!entry.comment.empty()) text += ", " + entry.comment;
  return text + ")";
}

// An allow entry over a restricting rule: full access allows, read_only allows mass storage read-only
// and cannot lift anything else.
void applyAllowEntry(const DeviceControlSettings& settings, int entryIndex, const std::string& what,
                     const std::string& rule, bool readOnlyPossible, InterfaceVerdict& verdict) {
  const auto& entry = settings.allow[static_cast<std::size_t>(entryIndex)];
  const std::string by = describeEntry(settings, entryIndex);
  if (entry.access == DeviceAccess::kFull) {
    verdict.decided = DeviceAction::kAllow;
    verdict.reason = what + " allowed by " + by;
  } else if (readOnlyPossible) {
    verdict.decided = DeviceAction::kReadOnly;
    verdict.reason = what + " read-only by " + by;
  } else {
    verdict.decided = DeviceAction::kBlock;
    verdict.reason = rule + "; " + by + " grants read_only, which cannot be enforced for " + what;
  }
}

std::string describeRecognition(const ProtocolRecognition& recognition) {
  std::string text(transferProtocolName(recognition.protocol));
  text += " by ";
  for (std::size_t i = 0; i < recognition.evidence.size(); ++i) {
    if (i > 0) text += ", ";
    text += recognition.evidence[i];
  }
  return text;
}

// The phones channel: MTP, PTP and (fail closed, unless phones is allow) unidentified interfaces.
bool decidePhone(const DeviceControlSettings& settings, const UsbInterfaceFacts& facts, int entryIndex,
                 InterfaceVerdict& verdict, bool& audited) {
  ProtocolRecognition recognition = recogniseTransferProtocol(facts);
  if (recognition.protocol == TransferProtocol::kNone) return false;
  // An interface that only might be MTP falls back to its class when phones are allowed anyway.
  if (recognition.protocol == TransferProtocol::kUnidentified && settings.phones == ChannelAction::kAllow) return false;
  const std::string rule =
      "phones is " + std::string(channelActionName(settings.phones)) + " (" + describeRecognition(recognition) + ")";
  verdict.recognition = std::move(recognition);
  verdict.reason = rule;
  if (settings.phones == ChannelAction::kAllow) {
    verdict.decided = DeviceAction::kAllow;
    return true;
  }
  verdict.decided = DeviceAction::kBlock;
  if (entryIndex >= 0) {
    applyAllowEntry(settings, entryIndex, std::string(transferProtocolName(verdict.recognition.protocol)), rule, false,
                    verdict);
  }
  audited = settings.phones == ChannelAction::kAudit && verdict.decided != DeviceAction::kAllow;
  return true;
}

InterfaceVerdict decideInterface(const DeviceControlSettings& settings, const UsbInterfaceFacts& facts, int entryIndex,
                                 bool& audited) {
  InterfaceVerdict verdict;
  const std::uint8_t cls = facts.interfaceClass;
  verdict.interfaceClass = cls;
  const std::string name = usb::className(cls);
  if (usb::isNeverBlocked(cls)) {
    verdict.decided = DeviceAction::kAllow;
    verdict.reason = name + " is always allowed";
    return verdict;
  }
  if (decidePhone(settings, facts, entryIndex, verdict, audited)) return verdict;
  const auto it = settings.classActions.find(cls);
  const DeviceAction configured = settings.actionForClass(cls);
  const std::string rule = (it != settings.classActions.end() ? "class_actions." + name : "default_action") + " is " +
                           std::string(deviceActionName(configured));
  verdict.decided = configured;
  verdict.reason = rule;
  if (configured == DeviceAction::kAllow || entryIndex < 0) return verdict;
  applyAllowEntry(settings, entryIndex, name, rule, cls == usb::kMassStorage, verdict);
  return verdict;
}

DeviceDecision summarize(const std::vector<InterfaceVerdict>& interfaces, bool useDecided) {
  std::size_t blocked = 0;
  std::size_t readOnly = 0;
  for (const auto& verdict : interfaces) {
    const DeviceAction action = useDecided ? verdict.decided : verdict.action;
    blocked += action == DeviceAction::kBlock ? 1 : 0;
    readOnly += action == DeviceAction::kReadOnly ? 1 : 0;
  }
  if (blocked == interfaces.size()) return DeviceDecision::kBlock;
  if (blocked > 0) return DeviceDecision::kPartial;
  if (readOnly > 0) return DeviceDecision::kReadOnly;
  return DeviceDecision::kAllow;
}

}  // namespace

std::string_view deviceDecisionName(DeviceDecision decision) {
  switch (decision) {
    case DeviceDecision::kAllow: return "allow";
    case DeviceDecision::kReadOnly: return "read_only";
    case DeviceDecision::kPartial: return "partial";
    case DeviceDecision::kBlock: return "block";
  }
  return "block";
}

DeviceVerdict evaluateUsbDevice(const DeviceControlSettings& settings, const UsbDeviceFacts& device) {
  DeviceVerdict verdict;
  std::vector<UsbInterfaceFacts> interfaces = device.interfaces;
  if (interfaces.size() != device.interfaceClasses.size()) {
    interfaces.clear();
    for (const std::uint8_t cls : device.interfaceClasses) interfaces.push_back(usbInterface(cls));
  }
  if (interfaces.empty()) interfaces.push_back(usbInterface(device.deviceClass));

  if (settings.mode == Mode::kOff) {
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
      verdict.interfaces.push_back(
          {i, interfaces[i].interfaceClass, DeviceAction::kAllow, DeviceAction::kAllow, "device control is off", {}});
    }
    verdict.reason = "device control is off";
    return verdict;
  }

  verdict.allowEntry = findAllowEntry(settings, device);
  bool anyAudited = false;
  for (std::size_t i = 0; i < interfaces.size(); ++i) {
    bool audited = false;
    InterfaceVerdict one = decideInterface(settings, interfaces[i], verdict.allowEntry, audited);
    one.index = i;
    one.action = settings.mode == Mode::kEnforce && !audited ? one.decided : DeviceAction::kAllow;
    anyAudited = anyAudited || one.action != one.decided;
    verdict.interfaces.push_back(std::move(one));
  }
  verdict.decided = summarize(verdict.interfaces, true);
  verdict.decision = summarize(verdict.interfaces, false);
  verdict.audit = anyAudited;
  for (const auto& one : verdict.interfaces) {
    if (one.decided != DeviceAction::kAllow) {
      verdict.reason = "interface " + std::to_string(one.index) + ": " + one.reason;
      break;
    }
  }
  if (verdict.reason.empty()) {
    verdict.reason = verdict.allowEntry >= 0 ? "allowed by " + describeEntry(settings, verdict.allowEntry)
                                             : "no interface is restricted";
  }
  if (verdict.audit) {
    const std::string why = settings.mode == Mode::kAudit ? "audit mode" : "audit";
    verdict.reason = why + ", would " + std::string(deviceDecisionName(verdict.decided)) + ": " + verdict.reason;
  }
  return verdict;
}

}  // namespace mamori::policy
