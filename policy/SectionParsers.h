#pragma once
// The parsers of the policy's sections, one per file, called by parsePolicy. Internal to policy/.

#include "common/JsonValue.h"
#include "policy/ActivitySettings.h"
#include "policy/AgentLimits.h"
#include "policy/ContentScanSettings.h"
#include "policy/DeviceControlSettings.h"
#include "policy/ErrorList.h"
#include "policy/P2pGuardSettings.h"
#include "policy/ReportingSettings.h"

namespace mamori::policy {

void parseDeviceControl(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                        DeviceControlSettings& out);
void parseP2pGuard(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   P2pGuardSettings& out);
// A JSON array of signature sets (also used for the built-in ones).
void parseP2pSignatureSets(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                           std::vector<P2pSignatureSet>& out);
void parseContentScan(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                      ContentScanSettings& out);
void parseActivity(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   ActivitySettings& out);
void parseReporting(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    ReportingSettings& out);
void parseAgentLimits(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, AgentLimits& out);

// Compiles a YARA source found at pointer; errors name the rule set and the line.
std::shared_ptr<const YaraRules> compilePolicyYara(const std::string& source, const std::string& setName,
                                                   const std::string& pointer, ErrorList& errors);

}  // namespace mamori::policy
