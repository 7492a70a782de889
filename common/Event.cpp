#include "common/Event.h"

#include <array>

namespace mamori::common {

namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high", "critical"};
}

std::string_view severityName(Severity severity) { return kSeverityNames.at(static_cast<std::size_t>(severity)); }

std::optional<Severity> parseSeverity(std::string_view name) {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

bool isValidEventType(std::string_view type) {
  // Lower-case words of [a-z0-9_] joined by dots, at least two words, no word starting with '_'.
  if (type.empty() || type.size() > 64) return false;
  bool wordStart = true;
  int dots = 0;
  for (char c : type) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (wordStart) return false;  // empty word
      wordStart = true;
      ++dots;
    } else if (alnum || (c == '_' && !wordStart)) {
      wordStart = false;
    } else {
      return false;
    }
  }
  return dots >= 1 && !wordStart;
}

}  // namespace mamori::common
