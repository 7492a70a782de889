#pragma once
// CSV for spreadsheets, written one way for mamorictl (events --csv) and the collector (the
// console's export, GET /api/v1/events.csv): UTF-8 after a byte-order mark, so Excel in Japanese
// reads it as UTF-8 rather than Shift_JIS, and RFC 4180 records.

#include <string>
#include <string_view>
#include <vector>

namespace mamori::common {

// What a CSV file starts with: the UTF-8 byte-order mark.
inline constexpr std::string_view kCsvByteOrderMark = "\xEF\xBB\xBF";

// One CSV record (RFC 4180: every field quoted, quotes doubled, CRLF at the end). The values stay
// exact, except that one starting with = + - @ (or a tab or CR) gets a leading apostrophe: a
// spreadsheet would otherwise run an agent-supplied "=HYPERLINK(...)" as a formula.
std::string csvRow(const std::vector<std::string>& fields);

// The columns of an events export, in order; eventCsvRow takes its values in the same order.
const std::vector<std::string>& eventCsvColumns();
struct EventCsvFields {
  std::string id, time, severity, type, agentId, host, user, detailsJson;
};
std::string eventCsvRow(const EventCsvFields& event);

}  // namespace mamori::common
