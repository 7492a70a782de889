#pragma once
// The fleet report as people file it: one self-contained HTML page (no script, no external resource,
// a chart drawn as inline SVG, every value from agents and administrators HTML-escaped and with
// invisible or direction-changing characters made visible) and one CSV (UTF-8 with a byte-order mark
// for Excel in Japanese; every row starts with its section so a filter on the first column gives one
// table). Both are deterministic: the same report gives the same bytes.

#include <string>

#include "collector/report/FleetReport.h"

namespace mamori::collector::report {

std::string renderHtml(const FleetReport& report);
std::string renderCsv(const FleetReport& report);

// "mamori-report-finance-2026-11-30.html": the group (or "all") and the period's first day; a group
// name with other characters than letters, digits, '-' and '_' has them replaced and a short hash of
// the real name added, so the name is safe as a file and download name and still one per group.
std::string reportFileName(const FleetReport& report, const std::string& extension);

// "UTC+09:00" for an offset in milliseconds.
std::string offsetLabel(std::int64_t offsetMs);

// "2026-11-30 14:03:05" in local time (offsetMs east of UTC).
std::string localTime(std::int64_t ms, std::int64_t offsetMs);

}  // namespace mamori::collector::report
