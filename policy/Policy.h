#pragma once
// One policy document (docs/policy.md). Produced only by parsePolicy (PolicyParser.h), so a Policy
// value is always valid: ranges checked, YARA compiled, HID and hubs never blocked.

#include <cstdint>
#include <string>

#include "policy/ActivitySettings.h"
#include "policy/AgentLimits.h"
#include "policy/ContentScanSettings.h"
#include "policy/DeviceControlSettings.h"
#include "policy/P2pGuardSettings.h"
#include "policy/ReportingSettings.h"

namespace mamori::policy {

inline constexpr std::int64_t kSchemaVersion = 1;

struct Policy {
  std::int64_t schemaVersion = kSchemaVersion;
  std::int64_t version = 1;  // only ever increases; agents refuse a version not above the applied one
  std::string name;
  std::string group;  // empty: the policy names no group
  std::string description;
  DeviceControlSettings deviceControl;
  P2pGuardSettings p2pGuard;
  ContentScanSettings contentScan;
  ActivitySettings activity;
  ReportingSettings reporting;
  AgentLimits agentLimits;
};

}  // namespace mamori::policy
