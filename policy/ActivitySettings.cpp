#include "policy/ActivitySettings.h"

namespace mamori::policy {

Mode printingMode(const ActivitySettings& activity) {
  if (activity.mode == Mode::kOff || !activity.printing.enabled || activity.printing.mode == Mode::kOff) {
    return Mode::kOff;
  }
  if (activity.mode == Mode::kAudit || activity.printing.mode == Mode::kAudit) return Mode::kAudit;
  return Mode::kEnforce;
}

}  // namespace mamori::policy
