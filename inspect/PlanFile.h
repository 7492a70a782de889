#pragma once
// The decisions file (--plan): one decision per line, "ACTION FINDING-ID", ACTION one of delete,
// quarantine, keep; '#' starts a comment. Finding ids come from a previous (dry-run) report, so the
// staff can agree the plan with the owner first. Pure parser; errors name the line.

#include <map>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "inspect/Findings.h"

namespace mamori::inspect {

using Plan = std::map<std::string, Decision>;  // finding id -> decision

common::Result<Plan> parsePlan(std::string_view text);

// Writes the plan a report's findings would need (every finding "keep"), for staff to edit.
std::string planTemplate(const std::vector<Finding>& findings);

}  // namespace mamori::inspect
