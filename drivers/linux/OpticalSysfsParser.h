#pragma once
// Pure parsers of what the kernel shows about SCSI devices: optical drives and, for the hot-plugged
// disk channel, any SCSI disk (tested with strings, fuzzed in tests/fuzz/fuzz_optical.cpp). The
// INQUIRY strings and VPD pages come from the device's firmware and are not trusted to be well formed.

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

// The SCSI device a devpath sits in: the devpath up to the "H:C:T:L" directory right below its
// "targetH:C:T" (".../host2/target2:0:0/2:0:0:0"); "" when it is not below one.
std::string scsiDeviceDevpath(std::string_view devpath);
// Whether a devpath goes through a USB bus ("usb1", "usb2" ...: a root hub's directory).
bool belowUsb(std::string_view devpath);
// The unit serial number of a VPD page 0x80 as sysfs's vpd_pg80 holds it (4-byte header, then the
// serial), blanks and NULs trimmed; "" when malformed, empty or not printable ASCII.
std::string parseUnitSerial(std::string_view page);

}  // namespace mamori::drivers::linux_os
