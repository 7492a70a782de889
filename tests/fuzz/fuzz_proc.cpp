// The /proc parsers (drivers/linux/ProcParsers.h): a process controls its comm, argv and file names,
// so stat, cmdline and maps text is outside input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/linux/ProcConnectorParser.h"
#include "drivers/linux/ProcParsers.h"
#include "drivers/linux/SocketTable.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  using namespace mamori::drivers::linux_os;
  if (auto stat = parseProcStat(text)) MAMORI_ASSERT(stat.value().comm.size() < size);
  (void)parseProcStatusUid(text);
  (void)parseProcStatusResidentKib(text);
  (void)parseCmdline(text);
  (void)parseProcCgroupV2(text);
  (void)parseProcNetSockets(text, false);
  (void)parseProcNetSockets(text, true);
  // Every event needs at least a netlink header, a connector header and a proc_event.
  MAMORI_ASSERT(parseProcConnectorDatagram(text).size() <= size / 16 + 1);
  for (const auto& mapping : parseProcMaps(text)) {
    MAMORI_ASSERT(!mapping.path.empty() && mapping.path[0] == '/');
    // The range names a file below /proc/PID/map_files: hex digits and one dash, never a path.
    MAMORI_ASSERT(mapping.addresses.find_first_not_of("0123456789abcdef-") == std::string::npos);
    MAMORI_ASSERT(mapping.addresses.empty() || mapping.addresses.find('-') == mapping.addresses.rfind('-'));
  }
  return 0;
}
