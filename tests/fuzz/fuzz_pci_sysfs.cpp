// What sysfs shows of a PCI device (drivers/linux/PciSysfsParser.h): a hot-plugged device chooses its
// own config space (the Device Serial Number capability list) and ids. The first byte picks the parser.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"
#include "drivers/linux/PciSysfsParser.h"

namespace pci = mamori::drivers::linux_os;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT: byte view
  switch (data[0] % 3) {
    case 0:
      if (auto value = pci::parsePciHex(bytes, 6)) MAMORI_ASSERT(*value <= 0xffffffU);
      break;
    case 1: {
      const std::string serial = pci::parseDeviceSerialNumber(bytes);
      MAMORI_ASSERT(serial.empty() || serial.size() == 23);
      break;
    }
    default: {
      // "name=address" lines, then the devpath after an empty line.
      std::vector<std::pair<std::string, std::string>> slots;
      std::string_view rest = bytes;
      while (!rest.empty()) {
        const auto end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (line.empty()) break;
        const auto eq = line.find('=');
        if (eq != std::string_view::npos) slots.emplace_back(line.substr(0, eq), line.substr(eq + 1));
      }
      const std::string slot = pci::hotPlugSlotOf(rest, slots);
      MAMORI_ASSERT(slot.empty() ||
                    std::any_of(slots.begin(), slots.end(), [&](const auto& s) { return s.first == slot; }));
      break;
    }
  }
  return 0;
}
