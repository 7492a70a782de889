#include "collector/report/ReportRender.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common/Clock.h"
#include "common/Csv.h"
#include "common/Event.h"
#include "common/Files.h"
#include "common/ReportHtml.h"
#include "common/Utf8.h"

namespace mamori::collector::report {

namespace {

// Colours of the severities, lowest first; the same ones in the chart, its legend and the badges.
constexpr std::array<const char*, kSeverities> kSeverityColours = {"#b0bec5", "#78909c", "#f9a825", "#e65100",
                                                                   "#b00020"};

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;padding:1rem 1.5rem;color:#1b1b1b;background:#fafafa;line-height:1.4;max-width:70rem}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:2px solid #ddd}
.meta{color:#444;margin:0 0 1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #ddd;border-radius:.4rem;padding:.5rem .7rem}.card b{display:block;font-size:1.5rem}
.card small{color:#444}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td{overflow-wrap:anywhere}
.sev{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.85rem}
.sev0{background:#eceff1}.sev1{background:#cfd8dc}.sev2{background:#f9a825}.sev3{background:#e65100;color:#fff}.sev4{background:#b00020;color:#fff}
.note{color:#444;font-style:italic}.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
svg{max-width:100%;height:auto;background:#fff;border:1px solid #ddd}
@media print{body{background:#fff}.card,table,svg{break-inside:avoid}}
)";

std::string safe(const std::string& text) { return common::escapeHtml(common::visibleText(text)); }

std::string number(std::int64_t value) {
  // Thousands separated, as people read counts.
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (value < 0 ? "-" : "") + out;
}

std::string severityName(int severity) {
  if (severity < 0 || severity >= static_cast<int>(kSeverities)) return "unknown";
  return std::string(common::severityName(static_cast<common::Severity>(severity)));
}

std::string severityBadge(int severity) {
  const int index = std::clamp(severity, 0, static_cast<int>(kSeverities) - 1);
  return "<span class=\"sev sev" + std::to_string(index) + "\">" + severityName(severity) + "</span>";
}

std::string periodText(const ReportPeriod& period) {
  return localDate(period.sinceMs, period.offsetMs) + " to " + localDate(period.untilMs - 1, period.offsetMs) + " (" +
         offsetLabel(period.offsetMs) + ")";
}

void card(std::string& out, const std::string& label, const std::string& value, const std::string& small) {
  out += "<div class=\"card\">" + common::escapeHtml(label) + "<b>" + value + "</b>";
  if (!small.empty()) out += "<small>" + common::escapeHtml(small) + "</small>";
  out += "</div>";
}

std::string trendNote(std::int64_t now, std::int64_t before) {
  const std::string change = trend(now, before);
  if (change.empty()) return "";
  return change + " against the period before (" + number(before) + ")";
}

// A table from header cells (a leading '#' marks a number column) and rows of already escaped cells.
void table(std::string& out, const std::vector<std::string>& header,
           const std::vector<std::vector<std::string>>& rows) {
  out += "<table><thead><tr>";
  std::vector<bool> numeric;
  for (const auto& name : header) {
    const bool isNumber = !name.empty() && name[0] == '#';
    numeric.push_back(isNumber);
    out += isNumber ? "<th class=\"n\" scope=\"col\">" + common::escapeHtml(name.substr(1))
                    : "<th scope=\"col\">" + common::escapeHtml(name);
    out += "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i)
      out += (i < numeric.size() && numeric[i] ? "<td class=\"n\">" : "<td>") + row[i] + "</td>";
    out += "</tr>";
  }
  out += "</tbody></table>";
}

void emptyOr(std::string& out, bool empty, const std::string& nothing) {
  if (empty) out += "<p class=\"note\">" + common::escapeHtml(nothing) + "</p>";
}

void truncatedNote(std::string& out, bool truncated) {
  if (truncated) {
    out +=
        "<p class=\"note\">The list stopped at its limit: there were more. The events view and its CSV export "
        "have every one.</p>";
  }
}

// Stacked bars of the events per day by severity, drawn as inline SVG (no script), with a title per
// bar segment for pointing at it and a text alternative for screen readers.
void dayChart(std::string& out, const FleetReport& report) {
  constexpr int kWidth = 760, kHeight = 240, kLeft = 56, kBottom = 36, kTop = 12;
  const int plotWidth = kWidth - kLeft - 8, plotHeight = kHeight - kTop - kBottom;
  std::int64_t highest = 0;
  for (const auto& day : report.days) {
    std::int64_t sum = 0;
    for (auto n : day.bySeverity) sum += n;
    highest = std::max(highest, sum);
  }
  // Four grid steps of 1, 2 or 5 times a power of ten, so every line's label is a whole number.
  std::int64_t step = 1;
  for (int i = 0; step * 4 < highest; ++i) step = (i % 3 == 1) ? step / 2 * 5 : step * 2;
  const std::int64_t scale = step * 4;
  const std::size_t count = std::max<std::size_t>(report.days.size(), 1);
  const double slot = static_cast<double>(plotWidth) / static_cast<double>(count);
  const double barWidth = std::max(1.0, slot * 0.7);
  const std::size_t labelEvery = count <= 16 ? 1 : (count + 15) / 16;

  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
         std::to_string(kHeight) + "\" role=\"img\" aria-label=\"Events per day by severity, " +
         number(report.total()) + " in all; the table below the chart has the same numbers\">";
  char buffer[64];
  for (int tick = 0; tick <= 4; ++tick) {
    const double y = kTop + plotHeight - plotHeight * tick / 4.0;
    std::snprintf(buffer, sizeof buffer, "%.1f", y);
    out += "<line x1=\"" + std::to_string(kLeft) + "\" x2=\"" + std::to_string(kWidth - 8) + "\" y1=\"" + buffer +
           "\" y2=\"" + buffer + "\" stroke=\"#e0e0e0\"/>";
    out += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + buffer +
           "\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\">" + number(step * tick) + "</text>";
  }
  for (std::size_t i = 0; i < report.days.size(); ++i) {
    const auto& day = report.days[i];
    const double x = kLeft + slot * static_cast<double>(i) + (slot - barWidth) / 2;
    double y = kTop + plotHeight;
    for (std::size_t s = 0; s < kSeverities; ++s) {
      if (day.bySeverity[s] == 0) continue;
      const double h = static_cast<double>(plotHeight) * static_cast<double>(day.bySeverity[s]) /
                       static_cast<double>(std::max<std::int64_t>(scale, 1));
      y -= h;
      std::snprintf(buffer, sizeof buffer, "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, barWidth, h);
      out += std::string("<rect ") + buffer + " fill=\"" + kSeverityColours[s] + "\"><title>" +
             localDate(day.startMs, report.period.offsetMs) + ": " + number(day.bySeverity[s]) + " " +
             severityName(static_cast<int>(s)) + "</title></rect>";
    }
    if (i % labelEvery == 0) {
      std::snprintf(buffer, sizeof buffer, "%.1f", x + barWidth / 2);
      out += std::string("<text x=\"") + buffer + "\" y=\"" + std::to_string(kHeight - kBottom + 16) +
             "\" font-size=\"11\" text-anchor=\"middle\">" + localDate(day.startMs, report.period.offsetMs).substr(5) +
             "</text>";
    }
  }
  out += "</svg><p class=\"legend\">";
  for (std::size_t s = kSeverities; s-- > 0;) {
    out += std::string("<span><i style=\"background:") + kSeverityColours[s] + "\"></i>" +
           severityName(static_cast<int>(s)) + "</span>";
  }
  out += "</p>";
}

void occurrenceRows(const std::vector<Occurrence>& list, std::int64_t offsetMs,
                    std::vector<std::vector<std::string>>& rows) {
  for (const auto& item : list) {
    rows.push_back(
        {safe(item.host), safe(item.user), safe(item.subject), number(item.count), localTime(item.lastMs, offsetMs)});
  }
}

std::int64_t occurrences(const std::vector<Occurrence>& list) {
  std::int64_t sum = 0;
  for (const auto& item : list) sum += item.count;
  return sum;
}

std::int64_t refusedActions(const FleetReport& report) {
  std::int64_t sum = 0;
  for (const auto& action : report.adminActions) sum += action.refused;
  return sum;
}

std::int64_t allActions(const FleetReport& report) {
  std::int64_t sum = 0;
  for (const auto& action : report.adminActions) sum += action.ok + action.refused;
  return sum;
}

void adminRows(const std::vector<AdminLine>& lines, std::int64_t offsetMs,
               std::vector<std::vector<std::string>>& rows) {
  for (const auto& line : lines) {
    rows.push_back({localTime(line.timeMs, offsetMs), safe(line.actor), safe(line.address), safe(line.action),
                    safe(line.target), safe(line.detail)});
  }
}

}  // namespace

std::string offsetLabel(std::int64_t offsetMs) {
  const std::int64_t minutes = (offsetMs < 0 ? -offsetMs : offsetMs) / 60'000;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "UTC%c%02lld:%02lld", offsetMs < 0 ? '-' : '+',
                static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
  return buffer;
}

std::string localTime(std::int64_t ms, std::int64_t offsetMs) {
  if (ms <= 0) return "";
  std::string text = common::formatUtcMs(ms + offsetMs).substr(0, 19);
  text[10] = ' ';
  return text;
}

std::string reportFileName(const FleetReport& report, const std::string& extension) {
  // A name that had to change ("経理", "a b") gets a short hash of the real one, so two groups never
  // share a file (common::fileNamePart).
  const std::string group = report.group.empty() ? "all" : common::fileNamePart(report.group, 48);
  return "mamori-report-" + group + "-" + localDate(report.period.sinceMs, report.period.offsetMs) + "." + extension;
}

std::string renderHtml(const FleetReport& report) {
  const std::string groupTitle = report.group.empty() ? "all groups" : "group " + report.group;
  std::string out;
  out.reserve(std::size_t{64} * 1024);
  out +=
      "<!DOCTYPE html>\n<!-- mamori fleet report -->\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>mamori report, ";
  out += safe(groupTitle) + ", " + periodText(report.period) + "</title><style>";
  out += kStyle;
  out += "</style></head><body><main><h1>mamori fleet report: " + safe(groupTitle) + "</h1>";
  out += "<p class=\"meta\">" + periodText(report.period) + ". Compared with " + periodText(report.previous) +
         ". Made " + localTime(report.generatedMs, report.period.offsetMs) + " (" +
         offsetLabel(report.period.offsetMs) + ") by " + safe(report.generator) + ".</p>";

  out += "<section aria-label=\"Summary\"><div class=\"cards\">";
  card(out, report.group.empty() ? "PCs" : "PCs in the group", number(report.agents),
       number(report.silent) + " silent now");
  card(out, "Events", number(report.total()), trendNote(report.total(), report.previousTotal()));
  card(out, "High and critical events", number(report.highAndCritical()),
       trendNote(report.highAndCritical(), report.previousHighAndCritical()));
  card(out, "Incidents opened",
       number(static_cast<std::int64_t>(report.incidents.size())) + (report.incidentsTruncated ? "+" : ""), "");
  card(out, "Device blocks", number(occurrences(report.deviceBlocks)) + (report.deviceBlocksTruncated ? "+" : ""), "");
  card(out, "P2P programs stopped", number(occurrences(report.p2pStops)) + (report.p2pStopsTruncated ? "+" : ""), "");
  card(out, "Exceptions granted", number(static_cast<std::int64_t>(report.exceptions.size())), "");
  card(out, "Administrators' actions", number(allActions(report)) + (report.adminTruncated ? "+" : ""),
       number(refusedActions(report)) + " refused");
  out += "</div></section>";

  out += "<h2>Events per day</h2>";
  dayChart(out, report);
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& day : report.days) {
      std::vector<std::string> row{localDate(day.startMs, report.period.offsetMs)};
      std::int64_t sum = 0;
      for (auto n : day.bySeverity) {
        row.push_back(number(n));
        sum += n;
      }
      row.push_back(number(sum));
      rows.push_back(std::move(row));
    }
    out += "<details><summary>The numbers of the chart</summary>";
    table(out, {"Day", "#info", "#low", "#medium", "#high", "#critical", "#all"}, rows);
    out += "</details>";
  }

  out += "<h2>Events by type</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& type : report.types) {
      rows.push_back({safe(type.type), severityBadge(type.severity), number(type.count), number(type.previous),
                      trend(type.count, type.previous)});
    }
    table(out, {"Type", "Severity", "#This period", "#Period before", "#Change"}, rows);
    emptyOr(out, rows.empty(), "No events in this period.");
  }

  const auto ranked = [&](const char* title, const char* column, const std::vector<RankedName>& list) {
    out += std::string("<h2>") + title + "</h2>";
    std::vector<std::vector<std::string>> rows;
    rows.reserve(list.size());
    for (const auto& entry : list) rows.push_back({safe(entry.name), number(entry.high), number(entry.critical)});
    table(out, {column, "#High", "#Critical"}, rows);
    emptyOr(out, rows.empty(), "No high or critical events.");
  };
  ranked("PCs with the most high and critical events", "PC", report.topHosts);
  ranked("Users with the most high and critical events", "User", report.topUsers);

  out += "<h2>Incidents opened</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& incident : report.incidents) {
      rows.push_back({localTime(incident.timeMs, report.period.offsetMs), safe(incident.host), safe(incident.user),
                      safe(incident.score), safe(incident.status), safe(incident.id)});
    }
    table(out, {"Opened", "PC", "User", "#Score", "Status", "Incident"}, rows);
    emptyOr(out, rows.empty(), "No incident was opened.");
    truncatedNote(out, report.incidentsTruncated);
  }

  const auto occurrenceSection = [&](const char* title, const char* subject, const std::vector<Occurrence>& list,
                                     bool truncated, const char* nothing) {
    out += std::string("<h2>") + title + "</h2>";
    std::vector<std::vector<std::string>> rows;
    occurrenceRows(list, report.period.offsetMs, rows);
    table(out, {"PC", "User", subject, "#Times", "Last"}, rows);
    emptyOr(out, rows.empty(), nothing);
    truncatedNote(out, truncated);
  };
  occurrenceSection("Blocked devices", "Device", report.deviceBlocks, report.deviceBlocksTruncated,
                    "No device was blocked.");
  occurrenceSection("Stopped P2P programs", "Program", report.p2pStops, report.p2pStopsTruncated,
                    "No file-sharing program was stopped.");

  out += "<h2>Exceptions granted</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    adminRows(report.exceptions, report.period.offsetMs, rows);
    table(out, {"When", "Administrator", "From", "Action", "For", "Detail"}, rows);
    emptyOr(out, rows.empty(), "No exception was granted.");
  }

  out += "<h2>Administrators' actions</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& action : report.adminActions) {
      rows.push_back({safe(action.action), number(action.ok), number(action.refused)});
    }
    table(out, {"Action", "#Done", "#Refused"}, rows);
    emptyOr(out, rows.empty(), "No administrative action was recorded.");
    truncatedNote(out, report.adminTruncated);
    if (!report.adminRefused.empty()) {
      out += "<h3>Refused actions and failed sign-ins</h3>";
      rows.clear();
      adminRows(report.adminRefused, report.period.offsetMs, rows);
      table(out, {"When", "Who", "From", "Action", "Target", "Why"}, rows);
    }
  }
  out += "<p class=\"note\">Times are " + offsetLabel(report.period.offsetMs) +
         ". Counts by type are from the collector's database at the time the report was made; events that arrive "
         "later (PCs that were offline) are in the next report's comparison.</p></main></body></html>\n";
  return out;
}

std::string renderCsv(const FleetReport& report) {
  using common::csvRow;
  const std::int64_t offset = report.period.offsetMs;
  std::string out(common::kCsvByteOrderMark);
  out += csvRow({"section", "name", "value"});
  const auto fact = [&](const std::string& name, const std::string& value) { out += csvRow({"report", name, value}); };
  fact("group", report.group.empty() ? "(all)" : report.group);
  fact("since", localTime(report.period.sinceMs, offset));
  fact("until", localTime(report.period.untilMs, offset));
  fact("utc_offset", offsetLabel(offset));
  fact("previous_since", localTime(report.previous.sinceMs, offset));
  fact("generated", localTime(report.generatedMs, offset));
  fact("generator", report.generator);
  fact("agents", std::to_string(report.agents));
  fact("agents_silent", std::to_string(report.silent));
  fact("events", std::to_string(report.total()));
  fact("events_previous", std::to_string(report.previousTotal()));
  fact("high_and_critical", std::to_string(report.highAndCritical()));
  fact("high_and_critical_previous", std::to_string(report.previousHighAndCritical()));
  out += "\r\n";

  out += csvRow({"events_per_day", "day", "info", "low", "medium", "high", "critical"});
  for (const auto& day : report.days) {
    std::vector<std::string> row{"events_per_day", localDate(day.startMs, offset)};
    for (auto n : day.bySeverity) row.push_back(std::to_string(n));
    out += csvRow(row);
  }
  // No change column: a spreadsheet computes it, and "+50%" or "-33%" would be guarded as formulas.
  out += "\r\n" + csvRow({"events_by_type", "type", "severity", "count", "previous"});
  for (const auto& type : report.types) {
    out += csvRow({"events_by_type", type.type, severityName(type.severity), std::to_string(type.count),
                   std::to_string(type.previous)});
  }
  const auto ranked = [&](const std::string& section, const std::vector<RankedName>& list) {
    out += "\r\n" + csvRow({section, "name", "high", "critical"});
    for (const auto& entry : list) {
      out += csvRow({section, entry.name, std::to_string(entry.high), std::to_string(entry.critical)});
    }
  };
  ranked("top_hosts", report.topHosts);
  ranked("top_users", report.topUsers);
  out += "\r\n" + csvRow({"incidents", "opened", "host", "user", "score", "status", "incident_id"});
  for (const auto& incident : report.incidents) {
    out += csvRow({"incidents", localTime(incident.timeMs, offset), incident.host, incident.user, incident.score,
                   incident.status, incident.id});
  }
  const auto listed = [&](const std::string& section, const std::string& subject, const std::vector<Occurrence>& list) {
    out += "\r\n" + csvRow({section, "host", "user", subject, "count", "last"});
    for (const auto& item : list) {
      out += csvRow(
          {section, item.host, item.user, item.subject, std::to_string(item.count), localTime(item.lastMs, offset)});
    }
  };
  listed("device_blocks", "device", report.deviceBlocks);
  listed("p2p_stops", "program", report.p2pStops);
  const auto admin = [&](const std::string& section, const std::vector<AdminLine>& lines) {
    out += "\r\n" + csvRow({section, "time", "actor", "address", "action", "target", "result", "detail"});
    for (const auto& line : lines) {
      out += csvRow({section, localTime(line.timeMs, offset), line.actor, line.address, line.action, line.target,
                     line.result, line.detail});
    }
  };
  admin("exceptions", report.exceptions);
  out += "\r\n" + csvRow({"admin_actions", "action", "ok", "refused"});
  for (const auto& action : report.adminActions) {
    out += csvRow({"admin_actions", action.action, std::to_string(action.ok), std::to_string(action.refused)});
  }
  admin("admin_refused", report.adminRefused);
  return out;
}

}  // namespace mamori::collector::report
