// What the optical drive control and the hot-plugged disk channel read (drivers/linux/OpticalSysfsParser.h):
// a drive or disk chooses its own INQUIRY strings and unit serial (VPD page 0x80); the device numbers and
// the devpath decide which rule applies. The first byte picks the parser.
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
  switch (data[0] % 6) {
    case 0:
      if (auto type = optical::parseScsiType(bytes)) MAMORI_ASSERT(*type >= 0 && *type <= 31);
      break;
    case 1: {
      const std::string clean = optical::cleanInquiryText(bytes);
      MAMORI_ASSERT(clean.size() <= 64);
      for (const char c : clean) MAMORI_ASSERT(c >= 0x20 && c <= 0x7e);
      break;
    }
    case 3: {
      const std::string serial = optical::parseUnitSerial(bytes);
      MAMORI_ASSERT(serial.size() <= bytes.size());
      for (const char c : serial) MAMORI_ASSERT(c >= 0x20 && c <= 0x7e);
      break;
    }
    case 4: {
      const std::string device = optical::scsiDeviceDevpath(bytes);
      MAMORI_ASSERT(bytes.substr(0, device.size()) == device);  // a prefix of the devpath
      break;
    }
    case 5: (void)optical::belowUsb(bytes); break;
    default:
      if (auto number = optical::parseDeviceNumber(bytes))
        MAMORI_ASSERT(number->first <= 4095 && number->second <= 0xfffff);
      break;
  }
  return 0;
}
