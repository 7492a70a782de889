#pragma once
// Pure parsers of what sysfs shows about a PCI device (tested with strings, fuzzed). sysfs values
// are outside input: a malformed one is an error or "absent", never a match with an allow entry.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamori::drivers::linux_os {

// "0x1b36\n" -> 0x1b36: "0x" and 1..maxDigits hex digits, one trailing newline allowed.
std::optional<std::uint32_t> parsePciHex(std::string_view text, std::size_t maxDigits);

// The Device Serial Number extended capability (id 0x0003) in a device's config space (the sysfs
// `config` file: 4096 bytes when read as root, 256 otherwise), as lspci prints it:
// "00-11-22-ff-fe-33-44-55". Empty when absent, when the config space is short, or when the
// capability list is malformed (a loop, an offset out of range).
std::string parseDeviceSerialNumber(std::string_view config);

// The hot-plug slot a device sits in: the name of the first slot (name, address "dddd:bb:dd") whose
// address is that of a PCI element of devpath, from the device upwards (a Thunderbolt enclosure's
// NVMe drive sits several bridges below the slot). Empty when none.
std::string hotPlugSlotOf(std::string_view devpath, const std::vector<std::pair<std::string, std::string>>& slots);

}  // namespace mamori::drivers::linux_os
