#pragma once
// A minimal 64-bit PE file for tests: DOS header, PE32+ headers, one ".rsrc" section holding a
// resource tree RT_VERSION -> 1 -> 0x409 and a VS_VERSIONINFO with the given StringFileInfo strings,
// then payload bytes (strings a YARA rule may look for). Enough for the version-info parser and the
// guard's PE steps; it does not run. The layout is fixed (kMiniPe* offsets) so tests can break it.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/Utf8.h"

namespace mamori::testsupport {

constexpr std::size_t kMiniPeHeader = 0x40;         // "PE\0\0"
constexpr std::size_t kMiniPeOptional = 0x40 + 24;  // optional header
constexpr std::size_t kMiniPeSectionTable = 0x40 + 24 + 240;
constexpr std::size_t kMiniPeResources = 0x200;       // file offset of .rsrc (RVA 0x1000)
constexpr std::size_t kMiniPeTypeEntry = 0x200 + 16;  // root directory's first entry
constexpr std::size_t kMiniPeNameEntry = 0x200 + 40;  // second level's first entry
constexpr std::size_t kMiniPeLanguageEntry = 0x200 + 64;
constexpr std::size_t kMiniPeDataEntry = 0x200 + 72;
constexpr std::size_t kMiniPeVersion = 0x200 + 88;  // VS_VERSIONINFO

namespace minipe {

inline void put16(std::string& s, std::size_t at, std::uint32_t v) {
  if (s.size() < at + 2) s.resize(at + 2, '\0');
  s[at] = static_cast<char>(v & 0xFFU);
  s[at + 1] = static_cast<char>((v >> 8U) & 0xFFU);
}
inline void put32(std::string& s, std::size_t at, std::uint32_t v) {
  put16(s, at, v & 0xFFFFU);
  put16(s, at + 2, v >> 16U);
}
inline void pad4(std::string& s) {
  while (s.size() % 4 != 0) s.push_back('\0');
}
inline std::string utf16(const std::string& utf8) {
  std::string out;
  for (std::size_t at = 0; at < utf8.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = common::decodeUtf8(utf8, at, cp);
    at += n == 0 ? 1 : n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put16(out, out.size(), 0xD800 + (cp >> 10U));
      put16(out, out.size(), 0xDC00 + (cp & 0x3FFU));
    } else {
      put16(out, out.size(), cp);
    }
  }
  put16(out, out.size(), 0);
  return out;
}
// A version block: header, key, padding, value, padding, children (each already a whole block).
inline std::string block(const std::string& key, const std::string& value, std::uint16_t valueLength,
                         std::uint16_t type, const std::vector<std::string>& children = {}) {
  std::string out(6, '\0');
  out += utf16(key);
  pad4(out);
  out += value;
  for (const auto& child : children) {
    pad4(out);
    out += child;
  }
  put16(out, 0, static_cast<std::uint32_t>(out.size()));
  put16(out, 2, valueLength);
  put16(out, 4, type);
  return out;
}

}  // namespace minipe

// strings: (key, value) pairs in UTF-8.
inline std::string miniPe(const std::vector<std::pair<std::string, std::string>>& strings,
                          const std::string& payload = {}) {
  using namespace minipe;
  std::vector<std::string> entries;
  for (const auto& [key, value] : strings) {
    const std::string text = utf16(value);
    entries.push_back(block(key, text, static_cast<std::uint16_t>(text.size() / 2), 1));
  }
  std::string fixed(52, '\0');
  put32(fixed, 0, 0xFEEF04BDU);
  put32(fixed, 4, 0x00010000U);
  std::vector<std::string> children;
  children.push_back(block("StringFileInfo", {}, 0, 1, {block("040904B0", {}, 0, 1, entries)}));
  std::string translation;
  put32(translation, 0, 0x04B00409U);
  children.push_back(block("VarFileInfo", {}, 0, 1, {block("Translation", translation, 4, 0)}));
  const std::string version = block("VS_VERSION_INFO", fixed, 52, 0, children);

  std::string rsrc;
  // root: one id entry (RT_VERSION = 16) -> subdirectory at 0x18
  put16(rsrc, 14, 1);
  put32(rsrc, 16, 16);
  put32(rsrc, 20, 0x80000000U | 0x18U);
  // names: one id entry (1) -> subdirectory at 0x30
  put16(rsrc, 0x18 + 14, 1);
  put32(rsrc, 0x18 + 16, 1);
  put32(rsrc, 0x18 + 20, 0x80000000U | 0x30U);
  // languages: one id entry (0x409) -> data entry at 0x48
  put16(rsrc, 0x30 + 14, 1);
  put32(rsrc, 0x30 + 16, 0x409);
  put32(rsrc, 0x30 + 20, 0x48);
  // data entry: RVA of the version block, its size
  put32(rsrc, 0x48, 0x1000 + 0x58);
  put32(rsrc, 0x48 + 4, static_cast<std::uint32_t>(version.size()));
  rsrc.resize(0x58, '\0');
  rsrc += version;

  std::string pe(kMiniPeResources, '\0');
  pe[0] = 'M';
  pe[1] = 'Z';
  put32(pe, 0x3C, kMiniPeHeader);
  pe.replace(kMiniPeHeader, 4, std::string("PE\0\0", 4));
  put16(pe, kMiniPeHeader + 4, 0x8664);   // machine
  put16(pe, kMiniPeHeader + 6, 1);        // sections
  put16(pe, kMiniPeHeader + 20, 240);     // optional header size
  put16(pe, kMiniPeHeader + 22, 0x0022);  // executable, large address aware
  put16(pe, kMiniPeOptional, 0x20b);      // PE32+
  put32(pe, kMiniPeOptional + 108, 16);   // data directories
  put32(pe, kMiniPeOptional + 112 + 16, 0x1000);
  put32(pe, kMiniPeOptional + 112 + 20, static_cast<std::uint32_t>(rsrc.size()));
  pe.replace(kMiniPeSectionTable, 6, std::string(".rsrc\0", 6));
  const std::uint32_t raw = static_cast<std::uint32_t>((rsrc.size() + 0x1FF) & ~std::size_t{0x1FF});
  put32(pe, kMiniPeSectionTable + 8, static_cast<std::uint32_t>(rsrc.size()));
  put32(pe, kMiniPeSectionTable + 12, 0x1000);
  put32(pe, kMiniPeSectionTable + 16, raw);
  put32(pe, kMiniPeSectionTable + 20, kMiniPeResources);
  rsrc.resize(raw, '\0');
  pe += rsrc;
  pe += payload;
  return pe;
}

}  // namespace mamori::testsupport
