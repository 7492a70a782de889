#pragma once
// Every capability section has a mode. audit means: decide as in enforce, report the decision marked
// as audit ("would block"), and change nothing. It is how a new policy is tried on a fleet.

#include <optional>
#include <string_view>

namespace mamori::policy {

enum class Mode { kEnforce, kAudit, kOff };

std::string_view modeName(Mode mode);
std::optional<Mode> modeFromName(std::string_view name);

}  // namespace mamori::policy
