#pragma once
// USB base class codes (usb.org "Defined Class Codes") and the names the policy uses for them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::policy::usb {

inline constexpr std::uint8_t kPerInterface = 0x00;  // device class 0: look at the interfaces
inline constexpr std::uint8_t kAudio = 0x01;
inline constexpr std::uint8_t kHid = 0x03;
inline constexpr std::uint8_t kStillImage = 0x06;  // PTP cameras, MTP phones
inline constexpr std::uint8_t kPrinter = 0x07;
inline constexpr std::uint8_t kMassStorage = 0x08;
inline constexpr std::uint8_t kHub = 0x09;
inline constexpr std::uint8_t kMiscellaneous = 0xEF;
inline constexpr std::uint8_t kVendorSpecific = 0xFF;

// "mass_storage" -> 0x08; also accepts "0x08" / "0x8" for classes without a name.
std::optional<std::uint8_t> classFromName(std::string_view name);
// 0x08 -> "mass_storage"; unnamed classes -> "0xNN".
std::string className(std::uint8_t code);
// The names, for "expected one of ..." messages.
std::string classNameList();

// Input devices and hubs: locking them out would leave the PC without keyboard and mouse (and every
// device behind a hub without power), so the policy can never block them.
inline constexpr bool isNeverBlocked(std::uint8_t code) { return code == kHid || code == kHub; }

}  // namespace mamori::policy::usb
