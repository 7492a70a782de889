#include "drivers/linux/OpticalSysfsParser.h"

#include <charconv>

namespace mamori::drivers::linux_os {

namespace {

std::string_view withoutNewline(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

// A decimal number, digits only.
template <typename T>
bool parseNumber(std::string_view word, T& out) {
  if (word.empty() || word.front() < '0' || word.front() > '9') return false;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), out);
  return error == std::errc() && end == word.data() + word.size();
}

}  // namespace

std::optional<int> parseScsiType(std::string_view text) {
  text = withoutNewline(text);
  int type = -1;
  if (text.empty() || text.size() > 2 || !parseNumber(text, type) || type < 0 || type > 31) return std::nullopt;
  return type;
}

std::string cleanInquiryText(std::string_view text) {
  text = withoutNewline(text);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string clean(text.substr(0, 64));
  for (char& c : clean) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return clean;
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> parseDeviceNumber(std::string_view text) {
  text = withoutNewline(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size() || colon > 4 || text.size() > 12) {
    return std::nullopt;
  }
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  if (!parseNumber(text.substr(0, colon), major) || !parseNumber(text.substr(colon + 1), minor)) return std::nullopt;
  if (major > 4095 || minor > 0xfffff) return std::nullopt;
  return std::pair{major, minor};
}

}  // namespace mamori::drivers::linux_os
