#include "drivers/linux/PciSysfsParser.h"

#include <array>
#include <cctype>
#include <cstdio>

#include "common/LittleEndian.h"

namespace mamori::drivers::linux_os {

namespace {

constexpr std::size_t kExtendedStart = 0x100;
constexpr std::size_t kConfigEnd = 0x1000;
constexpr std::uint32_t kSerialNumberCapability = 0x0003;

// "0000:01:00.0" -> "0000:01:00" (domain, bus, device); empty when not a PCI address.
std::string_view slotAddressOf(std::string_view element) {
  const bool shape = element.size() == 12 && element[4] == ':' && element[7] == ':' && element[10] == '.';
  if (!shape) return {};
  for (std::size_t i = 0; i < element.size(); ++i) {
    if (i == 4 || i == 7 || i == 10) continue;
    if (std::isxdigit(static_cast<unsigned char>(element[i])) == 0) return {};
  }
  return element.substr(0, 10);
}

}  // namespace

std::optional<std::uint32_t> parsePciHex(std::string_view text, std::size_t maxDigits) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.size() < 3 || text.size() > 2 + maxDigits || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (const char c : text.substr(2)) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isxdigit(u) == 0) return std::nullopt;
    const unsigned digit = std::isdigit(u) != 0 ? u - '0' : (std::tolower(u) - 'a' + 10U);
    value = (value << 4U) | digit;
  }
  return value;
}

std::string parseDeviceSerialNumber(std::string_view config) {
  if (config.size() < kExtendedStart + 4) return {};
  const std::size_t end = std::min(config.size(), kConfigEnd);
  std::size_t at = kExtendedStart;
  // Each capability takes at least 4 bytes: more steps than that means a loop.
  for (std::size_t steps = 0; steps < (kConfigEnd - kExtendedStart) / 4; ++steps) {
    if (at + 4 > end) return {};
    const std::uint32_t header = common::le32(config, at);
    if (header == 0 || header == 0xffffffffU) return {};
    if ((header & 0xffffU) == kSerialNumberCapability) {
      if (at + 12 > end) return {};
      const std::uint64_t serial = common::le64(config, at + 4);
      std::array<char, 24> text{};
      std::snprintf(text.data(), text.size(), "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
                    static_cast<unsigned>((serial >> 56U) & 0xffU), static_cast<unsigned>((serial >> 48U) & 0xffU),
                    static_cast<unsigned>((serial >> 40U) & 0xffU), static_cast<unsigned>((serial >> 32U) & 0xffU),
                    static_cast<unsigned>((serial >> 24U) & 0xffU), static_cast<unsigned>((serial >> 16U) & 0xffU),
                    static_cast<unsigned>((serial >> 8U) & 0xffU), static_cast<unsigned>(serial & 0xffU));
      return {text.data(), 23};
    }
    const std::size_t next = (header >> 20U) & 0xffcU;
    if (next == 0) return {};
    if (next < kExtendedStart) return {};
    at = next;
  }
  return {};
}

std::string hotPlugSlotOf(std::string_view devpath, const std::vector<std::pair<std::string, std::string>>& slots) {
  while (!devpath.empty()) {
    const auto slash = devpath.rfind('/');
    const std::string_view element = slash == std::string_view::npos ? devpath : devpath.substr(slash + 1);
    const std::string_view address = slotAddressOf(element);
    if (!address.empty()) {
      for (const auto& [name, slotAddress] : slots) {
        if (slotAddress.size() == address.size() &&
            std::equal(address.begin(), address.end(), slotAddress.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            })) {
          return name;
        }
      }
    }
    if (slash == std::string_view::npos) break;
    devpath = devpath.substr(0, slash);
  }
  return {};
}

}  // namespace mamori::drivers::linux_os
