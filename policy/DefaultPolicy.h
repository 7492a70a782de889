#pragma once
// The policy compiled into the agent: in force until the collector delivers a signed one, and again
// whenever the stored policy is missing or corrupt. Secure by default: USB mass storage and MTP
// blocked (keyboards, mice and hubs always work), known P2P software stopped, personal-data
// detectors and a company-confidential YARA rule set on, reporting on.

#include <string>

#include "policy/Policy.h"

namespace mamori::policy {

// The built-in policy's version. Collector-served policies start above it.
inline constexpr std::int64_t kBuiltinPolicyVersion = 1;

// The JSON text (same format as any policy; see docs/policy.md).
const std::string& builtinPolicyText();

// Parsed once per process with parsePolicy. Aborts if it does not parse (a broken build; the unit
// tests parse it).
const Policy& builtinPolicy();

// The sample rule set for company documents, also offered to administrators as a starting point.
std::string_view companyConfidentialYara();

}  // namespace mamori::policy
