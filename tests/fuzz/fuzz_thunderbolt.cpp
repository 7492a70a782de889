// What sysfs shows of a Thunderbolt/USB4 device (drivers/linux/ThunderboltSysfsParser.h): the UUID
// and names come from the device's firmware, names and paths from the kernel. The first byte picks
// the parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "drivers/linux/ThunderboltSysfsParser.h"

namespace tb = mamori::drivers::linux_os;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT: byte view
  switch (data[0] % 5) {
    case 0:
      if (tb::isThunderboltDeviceName(bytes)) MAMORI_ASSERT(bytes.find('/') == std::string_view::npos);
      break;
    case 1:
      if (auto level = tb::parseThunderboltAuthorized(bytes)) MAMORI_ASSERT(*level >= 0 && *level <= 2);
      break;
    case 2: {
      const std::string level = tb::parseThunderboltSecurity(bytes);
      MAMORI_ASSERT(level.size() <= 7);
      break;
    }
    case 3: {
      const std::string uuid = tb::parseThunderboltUuid(bytes);
      MAMORI_ASSERT(uuid.empty() || uuid.size() == 36);
      break;
    }
    default: {
      const std::string domain = tb::thunderboltDomainOf(bytes);
      MAMORI_ASSERT(domain.empty() || domain.rfind("domain", 0) == 0);
      break;
    }
  }
  return 0;
}
