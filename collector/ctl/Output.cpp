// What mamorictl prints: tables and fields of the collector's answers. Every text an agent supplied
// (host names, users, paths) goes through common::visibleText on its way to the terminal, so an
// escape sequence or a direction override in it shows as a marker instead of acting.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "collector/ctl/Commands.h"
#include "common/JsonText.h"
#include "common/Utf8.h"

namespace mamori::collector::ctl {

std::string jsonText(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return "";
  const auto value = object->get(key);
  if (value.isEmpty()) return "";
  return value.isString() ? value.extract<std::string>() : value.convert<std::string>();
}

std::string shownText(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return common::visibleText(jsonText(object, key));
}

std::string formatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> shown;
  shown.reserve(rows.size());
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    auto& cells = shown.emplace_back();
    for (const auto& cell : row) cells.push_back(common::visibleText(cell));
    if (widths.size() < cells.size()) widths.resize(cells.size(), 0);
    for (std::size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], cells[i].size());
  }
  std::string out;
  for (const auto& row : shown) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

std::string commandHelp(const std::string& head, const common::CommandLine& line, const std::string& tail) {
  constexpr std::size_t kColumn = 24;
  return head + "\nOptions:\n" + line.help(kColumn) + "\n" + tail;
}

int reportError(int code, const std::string& message) {
  common::printError("mamorictl", message);  // a collector's answer may echo what an agent sent
  return code;
}

// JSON on a terminal: C1 controls and U+2028/U+2029 in values written as \u escapes (Poco writes them
// raw; a host or file name with U+009B would be CSI to the terminal), the values read back the same.
void printJsonLine(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream line;
  Poco::JSON::Stringifier::condense(object, line);
  std::printf("%s\n", common::json::escapeLineControls(line.str()).c_str());
}

void printJsonPretty(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(object, out, 2);
  std::printf("%s\n", common::json::escapeLineControls(out.str()).c_str());
}

}  // namespace mamori::collector::ctl
