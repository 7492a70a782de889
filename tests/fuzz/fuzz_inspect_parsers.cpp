// mamori-inspect's parsers of files found on the inspected PC (P2P clients' configuration, ELF
// executables) and of the staff's plan file. The first byte picks the parser, the rest is its input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ElfNeeded.h"
#include "common/Result.h"
#include "inspect/ClientConfigParsers.h"
#include "inspect/PlanFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT: byte view
  const std::string home = "/home/fuzz";
  using namespace mamori::inspect;
  using mamori::common::elfNeededLibraries;
  namespace common = mamori::common;
  common::Result<Folders> folders = Folders{};
  switch (data[0] % 7) {
    case 0: folders = parseTransmissionSettings(bytes, home); break;
    case 1: folders = parseQbittorrentConf(bytes, home); break;
    case 2: folders = parseAria2Conf(bytes, home); break;
    case 3: folders = parseDelugeCoreConf(bytes, home); break;
    case 4: folders = parseAmuleConf(bytes, home); break;
    case 5: {
      if (auto needed = elfNeededLibraries(bytes)) {
        for (const auto& name : needed.value()) MAMORI_ASSERT(!name.empty() && name.size() <= 255);
      }
      return 0;
    }
    default: {
      if (auto plan = parsePlan(bytes)) {
        for (const auto& [id, decision] : plan.value()) MAMORI_ASSERT(id.size() >= 12 && decision != Decision::kNone);
      }
      return 0;
    }
  }
  if (folders) {
    for (const auto& f : folders.value()) MAMORI_ASSERT(!f.empty() && f.find('\0') == std::string::npos);
  }
  return 0;
}
