#include "drivers/linux/OpticalSysfsParser.h"

#include <algorithm>
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

namespace {

// "2:0:0:0" (host, channel, target, lun), or "2:0:0" after "target".
bool isScsiAddress(std::string_view text, int parts) {
  int seen = 1;
  bool digit = false;
  for (const char c : text) {
    if (c == ':') {
      if (!digit) return false;
      ++seen;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit && seen == parts;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(std::string_view(" \0\n", 3));
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(std::string_view(" \0\n", 3));
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::string scsiDeviceDevpath(std::string_view devpath) {
  std::size_t at = 0;
  bool afterTarget = false;
  while (at < devpath.size()) {
    std::size_t end = devpath.find('/', at);
    if (end == std::string_view::npos) end = devpath.size();
    const std::string_view part = devpath.substr(at, end - at);
    if (afterTarget && isScsiAddress(part, 4)) return std::string(devpath.substr(0, end));
    afterTarget = part.rfind("target", 0) == 0 && isScsiAddress(part.substr(6), 3);
    at = end + 1;
  }
  return {};
}

bool belowUsb(std::string_view devpath) {
  std::size_t at = 0;
  while (at < devpath.size()) {
    std::size_t end = devpath.find('/', at);
    if (end == std::string_view::npos) end = devpath.size();
    const std::string_view part = devpath.substr(at, end - at);
    if (part.size() > 3 && part.rfind("usb", 0) == 0 &&
        part.find_first_not_of("0123456789", 3) == std::string_view::npos) {
      return true;
    }
    at = end + 1;
  }
  return false;
}

std::string parseUnitSerial(std::string_view page) {
  if (page.size() < 4 || static_cast<unsigned char>(page[1]) != 0x80) return {};
  const std::size_t length =
      (static_cast<std::size_t>(static_cast<unsigned char>(page[2])) << 8U) | static_cast<unsigned char>(page[3]);
  const std::string serial = trimmed(page.substr(4, std::min(length, page.size() - 4)));
  const bool printable = std::all_of(serial.begin(), serial.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  return printable ? serial : std::string();
}

}  // namespace mamori::drivers::linux_os
