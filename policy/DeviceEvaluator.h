#pragma once
// Device control decisions. Pure: facts and settings in, verdict out.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/DeviceControlSettings.h"
#include "policy/DeviceFacts.h"
#include "policy/UsbProtocol.h"

namespace mamori::policy {

struct InterfaceVerdict {
  std::size_t index = 0;  // position in UsbDeviceFacts::interfaceClasses
  std::uint8_t interfaceClass = 0;
  DeviceAction action = DeviceAction::kAllow;   // what the agent does
  DeviceAction decided = DeviceAction::kAllow;  // what the policy decided; differs from action in audit
  std::string reason;
  // MTP / PTP (or unidentified) when a channel other than the class decided it (phones).
  ProtocolRecognition recognition;
};

// The device as a whole: authorize it at all, and which interfaces.
enum class DeviceDecision {
  kAllow,     // every interface allowed
  kReadOnly,  // none blocked, some read-only (storage mounted read-only)
  kPartial,   // some blocked, some not: authorize the device, withhold the blocked interfaces
  kBlock,     // every interface blocked: do not authorize the device
};

std::string_view deviceDecisionName(DeviceDecision decision);

struct DeviceVerdict {
  DeviceDecision decision = DeviceDecision::kAllow;  // what the agent does
  DeviceDecision decided = DeviceDecision::kAllow;   // what the policy decided
  // Some restriction was decided but not enforced (mode audit, or a channel such as phones set to
  // audit): report "would block". With decision allow nothing at all was enforced.
  bool audit = false;
  std::string reason;   // the first restricting interface's reason, or why everything is allowed
  int allowEntry = -1;  // index into DeviceControlSettings::allow that matched, -1 for none
  std::vector<InterfaceVerdict> interfaces;
};

// Interfaces decide, because drivers bind to interfaces: a composite keyboard + storage device gets
// its keyboard allowed and its storage blocked. A device that lists no interfaces is judged by its
// device class. HID and hubs are always allowed. An allow-list entry (serial-specific entries win
// over vendor/product-only ones) lifts a block: full -> allow; read_only -> read_only for
// mass_storage and block for other classes, where read-only cannot be enforced. Interfaces that
// speak MTP or PTP are decided by the phones channel instead of their class.
DeviceVerdict evaluateUsbDevice(const DeviceControlSettings& settings, const UsbDeviceFacts& device);

}  // namespace mamori::policy
