#pragma once
// Parsing of one NETLINK_KOBJECT_UEVENT datagram. Pure: bytes in, a Uevent or an error out, so it is
// tested with strings and fuzzed (tests/fuzz/fuzz_uevent.cpp).

#include <string_view>

#include "common/Result.h"
#include "drivers/include/Uevent.h"

namespace mamori::drivers::linux_os {

// The kernel's buffer is 2048 bytes (UEVENT_BUFFER_SIZE); anything much larger is not from it.
inline constexpr std::size_t kMaxUeventBytes = 8192;

// "ACTION@DEVPATH\0KEY=VALUE\0...". Requires ACTION and DEVPATH (and that they agree with the header);
// refuses udev's re-broadcasts ("libudev" header), oversized datagrams and keys without '='.
common::Result<Uevent> parseUevent(std::string_view bytes);

}  // namespace mamori::drivers::linux_os
