#include "agent/guard/ConfigFile.h"

#include <algorithm>
#include <array>

namespace mamori::agent::guard {

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// Flags a config file may not carry: they are for tests and one-off runs.
constexpr std::array kRefused = {"config", "help", "emit-synthetic", "exit-when-drained", "sysfs-root", "proc-root"};

bool validKeyCharacter(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

common::Result<std::vector<std::string>> configFileArguments(std::string_view text, const std::string& path) {
  std::vector<std::string> arguments;
  std::size_t lineNumber = 0;
  while (!text.empty()) {
    ++lineNumber;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const std::string where = path + ":" + std::to_string(lineNumber);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return common::makeError("expects \"key = value\"", where);
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (key.empty() || key.front() < 'a' || key.front() > 'z' ||
        !std::all_of(key.begin(), key.end(), validKeyCharacter)) {
      return common::makeError("the key must be an option name such as collector or ca-file", where);
    }
    if (std::find(kRefused.begin(), kRefused.end(), key) != kRefused.end()) {
      return common::makeError("\"" + std::string(key) + "\" belongs on the command line, not in a config file", where);
    }
    if (value.empty()) return common::makeError("\"" + std::string(key) + "\" has no value", where);
    if (value.find('\0') != std::string_view::npos) return common::makeError("the value holds a NUL byte", where);
    arguments.push_back("--" + std::string(key) + "=" + std::string(value));
  }
  return arguments;
}

}  // namespace mamori::agent::guard
