// What a device answers to string and Microsoft OS descriptor requests
// (drivers/linux/UsbStringDescriptorParser.h): a hostile device may answer anything. The first byte
// picks the parser, the rest is the answer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/linux/UsbStringDescriptorParser.h"

namespace usb = mamori::drivers::linux_os;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT: byte view
  switch (data[0] % 4) {
    case 0:
      if (auto text = usb::parseStringDescriptor(bytes)) {
        // At most 126 UTF-16 units, each at most 3 UTF-8 bytes (a pair: 4 bytes for 2 units).
        MAMORI_ASSERT(text.value().size() <= 3 * 127);
      }
      break;
    case 1:
      if (auto ids = usb::parseLanguageIds(bytes)) MAMORI_ASSERT(!ids.value().empty() && ids.value().size() <= 127);
      break;
    case 2: (void)usb::parseMsOsSignature(bytes); break;
    default:
      if (auto functions = usb::parseMsCompatIdDescriptor(bytes)) {
        MAMORI_ASSERT(functions.value().size() <= usb::kMaxMsCompatFunctions);
        for (const auto& f : functions.value()) MAMORI_ASSERT(f.compatibleId.size() <= 8);
      }
      break;
  }
  return 0;
}
