#include "policy/UsbClass.h"

#include <array>
#include <cstdio>
#include <utility>

namespace mamori::policy::usb {

namespace {

struct NamedClass {
  std::uint8_t code;
  std::string_view name;
};

constexpr std::array kNamedClasses = {
    NamedClass{0x01, "audio"},
    NamedClass{0x02, "communications"},
    NamedClass{0x03, "hid"},
    NamedClass{0x05, "physical"},
    NamedClass{0x06, "still_image"},
    NamedClass{0x07, "printer"},
    NamedClass{0x08, "mass_storage"},
    NamedClass{0x09, "hub"},
    NamedClass{0x0A, "cdc_data"},
    NamedClass{0x0B, "smart_card"},
    NamedClass{0x0D, "content_security"},
    NamedClass{0x0E, "video"},
    NamedClass{0x0F, "personal_healthcare"},
    NamedClass{0x10, "audio_video"},
    NamedClass{0x11, "billboard"},
    NamedClass{0x12, "type_c_bridge"},
    NamedClass{0xDC, "diagnostic"},
    NamedClass{0xE0, "wireless"},
    NamedClass{0xEF, "miscellaneous"},
    NamedClass{0xFE, "application_specific"},
    NamedClass{0xFF, "vendor_specific"},
};

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::uint8_t> classFromName(std::string_view name) {
  for (const auto& named : kNamedClasses) {
    if (named.name == name) return named.code;
  }
  if (name.size() < 3 || name.size() > 4 || name[0] != '0' || (name[1] != 'x' && name[1] != 'X')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (std::size_t i = 2; i < name.size(); ++i) {
    const int digit = hexDigit(name[i]);
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<unsigned>(digit);
  }
  return static_cast<std::uint8_t>(value);
}

std::string className(std::uint8_t code) {
  for (const auto& named : kNamedClasses) {
    if (named.code == code) return std::string(named.name);
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", code);
  return buf;
}

std::string classNameList() {
  std::string out;
  for (const auto& named : kNamedClasses) {
    if (!out.empty()) out += ", ";
    out += named.name;
  }
  return out + " or \"0xNN\"";
}

}  // namespace mamori::policy::usb
