#include "drivers/linux/ThunderboltSysfsParser.h"

#include <array>
#include <cctype>

namespace mamori::drivers::linux_os {

namespace {

std::string_view withoutNewline(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

bool allOf(std::string_view text, int (*test)(int)) {
  for (const char c : text) {
    if (test(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

}  // namespace

bool isThunderboltDeviceName(std::string_view name) {
  const auto dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 3) return false;
  const std::string_view domain = name.substr(0, dash);
  const std::string_view route = name.substr(dash + 1);
  if (!allOf(domain, isdigit) || route.empty() || route.size() > 16 || !allOf(route, isxdigit)) return false;
  return route.find_first_not_of('0') != std::string_view::npos;  // route 0: the host router
}

std::optional<int> parseThunderboltAuthorized(std::string_view text) {
  text = withoutNewline(text);
  if (text == "0") return 0;
  if (text == "1") return 1;
  if (text == "2") return 2;
  return std::nullopt;
}

std::string parseThunderboltSecurity(std::string_view text) {
  text = withoutNewline(text);
  static constexpr std::array<std::string_view, 6> kLevels = {"none", "user", "secure", "dponly", "usbonly", "nopcie"};
  for (const auto level : kLevels) {
    if (text == level) return std::string(level);
  }
  return {};
}

std::string parseThunderboltUuid(std::string_view text) {
  text = withoutNewline(text);
  if (text.size() != 36) return {};
  std::string uuid;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    if (dash ? c != '-' : std::isxdigit(static_cast<unsigned char>(c)) == 0) return {};
    uuid += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return uuid;
}

std::string thunderboltDomainOf(std::string_view devpath) {
  std::size_t start = 0;
  while (start < devpath.size()) {
    auto end = devpath.find('/', start);
    if (end == std::string_view::npos) end = devpath.size();
    const std::string_view part = devpath.substr(start, end - start);
    if (part.size() > 6 && part.substr(0, 6) == "domain" && allOf(part.substr(6), isdigit)) return std::string(part);
    start = end + 1;
  }
  return {};
}

}  // namespace mamori::drivers::linux_os
