#pragma once
// Pure parsers of what sysfs shows about Thunderbolt/USB4 devices (tested with strings, fuzzed in
// tests/fuzz/fuzz_thunderbolt.cpp). The UUID and the names come from the device's firmware.

#include <optional>
#include <string>
#include <string_view>

namespace mamori::drivers::linux_os {

// "0-1", "1-301": a router's name (domain, route in hex). The host router (route 0), domains
// ("domain0"), XDomains ("0-1.1"), retimers and ports ("0-0:1.1", "usb4_port1") are not devices.
bool isThunderboltDeviceName(std::string_view name);

// `authorized`: "0", "1" or "2" with a newline; nullopt otherwise.
std::optional<int> parseThunderboltAuthorized(std::string_view text);

// A domain's `security`: one of none, user, secure, dponly, usbonly, nopcie; "" otherwise.
std::string parseThunderboltSecurity(std::string_view text);

// `unique_id`: a UUID, 8-4-4-4-12 hex digits, lower-cased; "" when malformed (it then matches no
// allow entry).
std::string parseThunderboltUuid(std::string_view text);

// The domain's name of a device's devpath: ".../domain0/0-0/0-1" -> "domain0"; "" when none.
std::string thunderboltDomainOf(std::string_view devpath);

}  // namespace mamori::drivers::linux_os
