// Fuzzes the archives read through libarchive (scan/ArchiveReader): 7z, RAR and RAR5, tar, cpio,
// ISO 9660, zip64 and xz/bzip2/zstd streams, as archives and as compressed streams, every member read
// under a small bound. The extraction path over them, with the policy's limits, is fuzz_scan_extract
// (its corpus has archives of each kind too).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/ArchiveReader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  std::size_t seen = 0;
  for (const bool stream : {false, true}) {
    auto reader = ArchiveReader::open(input, stream);
    if (!reader) continue;
    for (int members = 0; members < 64; ++members) {
      auto next = reader.value().next();
      if (!next || !next.value()) break;
      seen += next.value()->name.size();
      if (!next.value()->regularFile || next.value()->encrypted) continue;
      auto bytes = reader.value().read(1U << 20U, 0);
      if (bytes) seen += bytes.value().size();
    }
  }
  return seen == static_cast<std::size_t>(-1) ? 1 : 0;
}
