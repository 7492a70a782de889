#include "policy/Mode.h"

namespace mamori::policy {

std::string_view modeName(Mode mode) {
  switch (mode) {
    case Mode::kEnforce: return "enforce";
    case Mode::kAudit: return "audit";
    case Mode::kOff: return "off";
  }
  return "off";
}

std::optional<Mode> modeFromName(std::string_view name) {
  if (name == "enforce") return Mode::kEnforce;
  if (name == "audit") return Mode::kAudit;
  if (name == "off") return Mode::kOff;
  return std::nullopt;
}

}  // namespace mamori::policy
