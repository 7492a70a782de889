#include "common/Csv.h"

namespace mamori::common {

std::string csvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    const std::string& value = fields[i];
    if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) out += '\'';
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

}  // namespace mamori::common
