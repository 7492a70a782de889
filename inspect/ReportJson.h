#pragma once
// The report as JSON ("format": "mamori-inspection/1", docs/inspect.md lists every field) and the
// signed file around it: {"report": {...}, "signature": {...}}.

#include <string>

#include "common/Result.h"
#include "inspect/Report.h"
#include "policy/JsonValue.h"

namespace mamori::inspect {

inline constexpr const char* kReportFormat = "mamori-inspection/1";

policy::JsonValue reportToJson(const Report& report);

}  // namespace mamori::inspect
