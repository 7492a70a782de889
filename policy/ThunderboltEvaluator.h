#pragma once
// Thunderbolt/USB4 devices: whether the agent builds a device's PCIe tunnel (writes `authorized`).
// Pure: facts and settings in, verdict out.

#include <cstdint>
#include <string>

#include "policy/DeviceControlSettings.h"
#include "policy/PciEvaluator.h"

namespace mamori::policy {

struct ThunderboltDeviceFacts {
  std::string uniqueId;  // lower-case UUID; "" when unreadable
  std::uint16_t vendorId = 0;
  std::uint16_t deviceId = 0;
  std::string security;            // the domain's level: none, user, secure, dponly, usbonly, nopcie, ""
  bool authorizedAtStart = false;  // authorized when the agent first applied a policy
};

struct ThunderboltVerdict {
  PciDecision decision = PciDecision::kAllow;  // what the agent does
  PciDecision decided = PciDecision::kAllow;   // what the policy decided; differs in audit
  bool audit = false;
  // The agent can carry the decision out: security user or secure, and not a device left as it was
  // at start. Otherwise the decision is only reported.
  bool enforceable = false;
  std::string reason;
  int allowEntry = -1;  // index into DeviceControlSettings::thunderboltAllow
};

// thunderbolt and thunderbolt_allow (an entry by UUID, or by vendor and device id). At security
// `none` the kernel authorizes every device itself and at `dponly`/`usbonly`/`nopcie` it never builds
// PCIe tunnels: nothing to enforce, the decision is reported. Mode off allows.
ThunderboltVerdict evaluateThunderboltDevice(const DeviceControlSettings& settings,
                                             const ThunderboltDeviceFacts& device);

}  // namespace mamori::policy
