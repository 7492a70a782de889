#pragma once
// Parsing of what a device answers to string-descriptor and Microsoft OS descriptor requests
// (UsbfsDevice reads them). Pure and fuzzed: a device may answer anything, of any length.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"

namespace mamori::drivers::linux_os {

// USB string descriptors are at most 255 bytes: bLength, bDescriptorType 3, UTF-16LE code units.
inline constexpr std::size_t kMaxStringDescriptorBytes = 255;
// The extended compat ID descriptor: a 16-byte header and 24 bytes per function; the kernel allows
// 32 interfaces, so more functions than that are refused.
inline constexpr std::size_t kMsCompatHeaderBytes = 16;
inline constexpr std::size_t kMsCompatFunctionBytes = 24;
inline constexpr std::size_t kMaxMsCompatFunctions = 32;
inline constexpr std::size_t kMaxMsCompatBytes = kMsCompatHeaderBytes + kMsCompatFunctionBytes * kMaxMsCompatFunctions;

// String descriptor 0: the language ids the device's strings come in (at least one).
common::Result<std::vector<std::uint16_t>> parseLanguageIds(std::string_view bytes);
// A string descriptor as UTF-8. Unpaired surrogates become U+FFFD; a trailing odd byte is ignored.
common::Result<std::string> parseStringDescriptor(std::string_view bytes);
// String descriptor 0xEE: the vendor request code when it is the Microsoft OS 1.0 signature
// "MSFT100"; nullopt for anything else (the device has no Microsoft OS descriptor).
std::optional<std::uint8_t> parseMsOsSignature(std::string_view bytes);
// The total length the extended compat ID header announces (dwLength), checked against the header's
// version and index; the caller reads at most kMaxMsCompatBytes.
common::Result<std::uint32_t> parseMsCompatIdLength(std::string_view header);
// The whole extended compat ID descriptor (or as much of it as the device sent).
common::Result<std::vector<UsbMsOsFunction>> parseMsCompatIdDescriptor(std::string_view bytes);

}  // namespace mamori::drivers::linux_os
