#pragma once
// The report as JSON ("format": "mamori-inspection/1", docs/inspect.md lists every field) and the
// signed file around it: {"report": {...}, "signature": {...}}.

#include <string>

#include "common/JsonValue.h"
#include "common/Result.h"
#include "inspect/Report.h"

namespace mamori::inspect {

inline constexpr const char* kReportFormat = "mamori-inspection/1";

common::JsonValue reportToJson(const Report& report);

}  // namespace mamori::inspect
