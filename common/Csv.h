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
// exact, except that one starting with = + - @ (or a tab or CR), or their full-width forms ＝ ＋ － ＠,
// gets a leading apostrophe: a spreadsheet would otherwise run an agent-supplied "=HYPERLINK(...)" as
// a formula.
std::string csvRow(const std::vector<std::string>& fields);

// The columns of an events export, in order; eventCsvRow takes its values in the same order.
const std::vector<std::string>& eventCsvColumns();
struct EventCsvFields {
  std::string id, time, severity, type, agentId, host, user, detailsJson;
};
std::string eventCsvRow(const EventCsvFields& event);

// Reads RFC 4180 records as spreadsheets write them (mamorictl edm add): a leading byte-order mark is
// skipped, fields may be quoted (quotes doubled inside, separators and line breaks allowed), records
// end at LF or CRLF, the separator is ',' or another byte (a tab for TSV). A quote inside an unquoted
// field is kept as text; an unterminated quoted field ends the input.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text, char separator = ',');
  // The next record into fields (replacing them); false at the end. A blank line is a record of one
  // empty field.
  bool next(std::vector<std::string>& fields);
  // The line the last record started on (1-based).
  std::size_t line() const { return recordLine_; }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
  std::size_t line_ = 1;
  std::size_t recordLine_ = 0;
  char separator_;
};

}  // namespace mamori::common
