#pragma once
// What a Windows executable (PE file) says about itself in its version resource: ProductName,
// OriginalFilename, InternalName, CompanyName, FileDescription ... Winny, µTorrent or eMule copied
// under another name and started through Wine still carry them. Pure parser of untrusted bytes
// (fuzzed): the DOS and PE headers, the section table, the resource tree down to RT_VERSION, the
// VS_VERSIONINFO block and its StringFileInfo tables (UTF-16LE, returned as UTF-8). Every count,
// offset and length is checked against the bytes, the tree is walked to its fixed depth of three
// with a bounded number of entries, so a loop in the tree, a huge count or an offset past the end is
// an error or a shorter answer, never a hang or a crash.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::common {

struct PeVersionString {
  std::string key;    // "ProductName", as the file spells it
  std::string value;  // UTF-8; at most kMaxPeVersionValueBytes
};

struct PeVersionInfo {
  std::uint16_t machine = 0;  // IMAGE_FILE_MACHINE_* (0x8664 x86-64, 0x14c i386)
  bool pe32Plus = false;      // 64-bit optional header
  bool dll = false;
  // Every string of every StringFileInfo table, in file order (at most kMaxPeVersionStrings).
  std::vector<PeVersionString> strings;

  // The first value of key (ASCII case-insensitive); empty when there is none.
  std::string value(std::string_view key) const;
};

constexpr std::size_t kMaxPeVersionStrings = 64;
constexpr std::size_t kMaxPeVersionValueBytes = 512;

// "MZ" and a "PE\0\0" signature where the DOS header points: cheap, for callers that only need to know.
bool looksLikePe(std::string_view bytes);

// Errors: not a PE file, truncated headers or section table, a resource tree or version block that
// points outside the file. A PE without a version resource has no strings (not an error).
Result<PeVersionInfo> peVersionInfo(std::string_view bytes);

}  // namespace mamori::common
