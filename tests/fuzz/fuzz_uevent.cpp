// Kernel uevent datagrams (drivers/linux/UeventParser.h): whatever arrives on the netlink socket.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/linux/UeventParser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto event = mamori::drivers::linux_os::parseUevent(bytes)) {
    // Accepted events always name an absolute devpath and an action.
    MAMORI_ASSERT(!event.value().action.empty() && event.value().devpath.front() == '/');
    (void)event.value().kernelName();
  }
  return 0;
}
