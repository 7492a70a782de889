#include "common/Event.h"

#include <array>

namespace mamori::common {

namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high", "critical"};
}

std::string_view severityName(Severity severity) {
  return kSeverityNames.at(static_cast<std::size_t>(severity));
}

std::optional<Severity> parseSeverity(std::string_view name) {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

bool isValidEventType(std::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  bool wordStart = true;
  int dots = 0;
  for (char c : type) {
    if (c == '.') {
      if (wordStart) return false;  // empty word
      wordStart = true;
      ++dots;
    } else if ((c >= 'a' && c <= 'z') || (!wordStart && ((c >= '0' && c <= '9') || c == '_'))) {
      wordStart = false;
    } else if (wordStart && c >= '0' && c <= '9') {
      wordStart = false;  // "p2p" starts with a letter, but allow words like "2fa" after a dot
    } else {
      return false;
    }
  }
  return dots >= 1 && !wordStart;
}

}  // namespace mamori::common
