#pragma once
// Reads zip archives held in memory (zip, OOXML, OpenDocument): the central directory, then each
// member through its local header. Pure and bounded: inflation stops at a caller-given size, so a
// lying header or a bomb costs at most that much memory.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::scan {

struct ZipEntry {
  std::string name;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;  // 0 stored, 8 deflate; others are not supported
  std::uint64_t compressedSize = 0;
  std::uint64_t uncompressedSize = 0;
  std::uint64_t localHeaderOffset = 0;

  bool encrypted() const { return (flags & 1U) != 0 || method == 99; }  // traditional, strong or AES
  bool directory() const { return !name.empty() && name.back() == '/'; }
};

// The entries of the central directory; an error when there is none (not a zip, truncated) or it is
// malformed. Zip64 archives are refused with an error saying so.
common::Result<std::vector<ZipEntry>> readZipDirectory(std::string_view archive);

// The member's bytes, at most maxBytes (more is an error: the caller reports a bomb or a limit).
common::Result<std::string> readZipMember(std::string_view archive, const ZipEntry& entry, std::uint64_t maxBytes);

// The same member into scratch, whose bytes are reused from call to call (it only grows, so the
// bytes of an inflated member are not first cleared): the member is scratch's first bytes, the view
// returned. For the parts extraction reads once and drops (Office XML, docs/decisions/0061).
common::Result<std::string_view> readZipMemberInto(std::string_view archive, const ZipEntry& entry,
                                                   std::uint64_t maxBytes, std::string& scratch);

// Raw deflate (no header), bounded. windowBits: -15 raw, 15 zlib, 31 gzip.
// expectedBytes: a size hint for the output (a header's claim), used to reserve memory up to maxBytes.
common::Result<std::string> inflateBounded(std::string_view data, int windowBits, std::uint64_t maxBytes,
                                           std::uint64_t expectedBytes = 0);

}  // namespace mamori::scan
