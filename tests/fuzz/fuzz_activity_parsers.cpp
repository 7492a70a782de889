// The activity monitor's parsers of outside bytes: any file written may be sniffed as an archive
// (agent/activity/ArchiveFormat.h), and CUPS control files are parsed (CupsControlFile.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/activity/ArchiveFormat.h"
#include "agent/activity/CupsControlFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto archive = mamori::agent::activity::identifyArchive(bytes)) MAMORI_ASSERT(!archive->format.empty());
  if (auto job = mamori::agent::activity::parseCupsControlFile(bytes)) MAMORI_ASSERT(job.value().pages >= -1);
  return 0;
}
