// Raw USB descriptors (drivers/linux/UsbDescriptorParser.h): a device may send anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/linux/UsbDescriptorParser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto parsed = mamori::drivers::linux_os::parseUsbDescriptors(bytes)) {
    MAMORI_ASSERT(parsed.value().interfaces.size() <= 32);
    MAMORI_ASSERT(parsed.value().configs.size() <= mamori::drivers::linux_os::kMaxUsbConfigurations);
    MAMORI_ASSERT(parsed.value().configs.empty() ||
                  mamori::drivers::linux_os::chosenConfiguration(parsed.value()) < parsed.value().configs.size());
  }
  return 0;
}
