#include "common/Csv.h"

namespace mamori::common {

namespace {

// What a spreadsheet may take as the start of a formula: = + - @ (and a tab or CR before one), and
// their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20), which Excel in Japanese reads as the
// ASCII ones, as it reads full-width digits as a number.
bool startsFormula(std::string_view value) {
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) return true;
  for (const std::string_view wide : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"}) {
    if (value.substr(0, wide.size()) == wide) return true;
  }
  return false;
}

}  // namespace

std::string csvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    const std::string& value = fields[i];
    if (startsFormula(value)) out += '\'';
    for (const char c : value) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

const std::vector<std::string>& eventCsvColumns() {
  static const std::vector<std::string> kColumns = {"id",       "time", "severity", "type",
                                                    "agent_id", "host", "user",     "details"};
  return kColumns;
}

std::string eventCsvRow(const EventCsvFields& event) {
  return csvRow(
      {event.id, event.time, event.severity, event.type, event.agentId, event.host, event.user, event.detailsJson});
}

CsvReader::CsvReader(std::string_view text, char separator) : text_(text), separator_(separator) {
  if (text_.substr(0, kCsvByteOrderMark.size()) == kCsvByteOrderMark) at_ = kCsvByteOrderMark.size();
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  if (at_ >= text_.size()) return false;
  recordLine_ = line_;
  std::string field;
  bool quoted = false;
  bool wasQuoted = false;
  while (at_ < text_.size()) {
    const char c = text_[at_++];
    if (quoted) {
      if (c == '"' && at_ < text_.size() && text_[at_] == '"') {
        field.push_back('"');
        ++at_;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line_;
        field.push_back(c);
      }
    } else if (c == '"' && field.empty() && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c == separator_) {
      fields.push_back(std::move(field));
      field.clear();
      wasQuoted = false;
    } else if (c == '\n' || (c == '\r' && at_ < text_.size() && text_[at_] == '\n')) {
      if (c == '\r') ++at_;
      ++line_;
      break;
    } else {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return true;
}

}  // namespace mamori::common
