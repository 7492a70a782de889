// What the optical drive control reads (drivers/linux/OpticalSysfsParser.h): a drive chooses its own
// INQUIRY strings; the device numbers decide which rule applies. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "drivers/linux/OpticalSysfsParser.h"

namespace optical = mamori::drivers::linux_os;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT: byte view
  switch (data[0] % 3) {
    case 0:
      if (auto type = optical::parseScsiType(bytes)) MAMORI_ASSERT(*type >= 0 && *type <= 31);
      break;
    case 1: {
      const std::string clean = optical::cleanInquiryText(bytes);
      MAMORI_ASSERT(clean.size() <= 64);
      for (const char c : clean) MAMORI_ASSERT(c >= 0x20 && c <= 0x7e);
      break;
    }
    default:
      if (auto number = optical::parseDeviceNumber(bytes))
        MAMORI_ASSERT(number->first <= 4095 && number->second <= 0xfffff);
      break;
  }
  return 0;
}
