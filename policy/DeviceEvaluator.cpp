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

InterfaceVerdict decideInterface(const DeviceControlSettings& settings, std::uint8_t cls, int entryIndex) {
  InterfaceVerdict verdict;
  verdict.interfaceClass = cls;
  const std::string name = usb::className(cls);
  if (usb::isNeverBlocked(cls)) {
    verdict.decided = DeviceAction::kAllow;
    verdict.reason = name + " is always allowed";
    return verdict;
  }
  const auto it = settings.classActions.find(cls);
  const DeviceAction configured = settings.actionForClass(cls);
  const std::string rule = it != settings.classActions.end() ? "class_actions." + name : "default_action";
  verdict.decided = configured;
  verdict.reason = rule + " is " + std::string(deviceActionName(configured));
  if (configured == DeviceAction::kAllow || entryIndex < 0) return verdict;

  const auto& entry = settings.allow[static_cast<std::size_t>(entryIndex)];
  const std::string by = describeEntry(settings, entryIndex);
  if (entry.access == DeviceAccess::kFull) {
    verdict.decided = DeviceAction::kAllow;
    verdict.reason = name + " allowed by " + by;
  } else if (cls == usb::kMassStorage) {
    verdict.decided = DeviceAction::kReadOnly;
    verdict.reason = name + " read-only by " + by;
  } else {
    verdict.decided = DeviceAction::kBlock;
    verdict.reason = rule + " is " + std::string(deviceActionName(configured)) + "; " + by +
                     " grants read_only, which cannot be enforced for " + name;
  }
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
  std::vector<std::uint8_t> classes = device.interfaceClasses;
  if (classes.empty()) classes.push_back(device.deviceClass);

  if (settings.mode == Mode::kOff) {
    for (std::size_t i = 0; i < classes.size(); ++i) {
      verdict.interfaces.push_back(
          {i, classes[i], DeviceAction::kAllow, DeviceAction::kAllow, "device control is off"});
    }
    verdict.reason = "device control is off";
    return verdict;
  }

  verdict.allowEntry = findAllowEntry(settings, device);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    InterfaceVerdict one = decideInterface(settings, classes[i], verdict.allowEntry);
    one.index = i;
    one.action = settings.mode == Mode::kEnforce ? one.decided : DeviceAction::kAllow;
    verdict.interfaces.push_back(std::move(one));
  }
  verdict.decided = summarize(verdict.interfaces, true);
  verdict.decision = summarize(verdict.interfaces, false);
  verdict.audit = settings.mode == Mode::kAudit && verdict.decided != DeviceDecision::kAllow;
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
  if (verdict.audit)
    verdict.reason = "audit mode, would " + std::string(deviceDecisionName(verdict.decided)) + ": " + verdict.reason;
  return verdict;
}

}  // namespace mamori::policy
