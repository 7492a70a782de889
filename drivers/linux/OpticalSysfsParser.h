#pragma once
// Pure parsers of what the kernel shows about optical drives (tested
// with strings, fuzzed in tests/fuzz/fuzz_optical.cpp). The INQUIRY strings come from the drive's
// firmware and are not trusted to be well formed.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mamori::drivers::linux_os {

// A SCSI device's `type` attribute ("5\n"): the peripheral device type, 0..31; nullopt otherwise.
std::optional<int> parseScsiType(std::string_view text);
inline constexpr int kScsiTypeRom = 5;  // CD/DVD/BD drives

// An INQUIRY string attribute (vendor, model, rev): the newline and padding blanks trimmed, and any
// byte outside printable ASCII replaced by '?', so a drive cannot smuggle control characters into
// events, logs or a match with an allow entry.
std::string cleanInquiryText(std::string_view text);

// A class device's `dev` attribute ("11:0\n"): major and minor; nullopt when malformed. The major is
// at most 4095 and the minor at most 2^20-1 (the kernel's dev_t split).
std::optional<std::pair<std::uint32_t, std::uint32_t>> parseDeviceNumber(std::string_view text);

}  // namespace mamori::drivers::linux_os
