#include "common/PeVersionInfo.h"

#include <algorithm>
#include <optional>

#include "common/LittleEndian.h"
#include "common/Utf8.h"

namespace mamori::common {

namespace {

constexpr std::size_t kMaxSections = 96;         // what the Windows loader accepts
constexpr std::size_t kMaxEntriesWalked = 4096;  // resource directory entries looked at, all levels
constexpr std::uint32_t kRtVersion = 16;
constexpr std::uint32_t kHighBit = 0x80000000U;
constexpr std::size_t kMaxVersionBytes = std::size_t{64} * 1024;  // wLength is 16 bits: the root block cannot be longer
constexpr std::size_t kMaxKeyBytes = 128;

bool fits(std::string_view bytes, std::uint64_t offset, std::uint64_t length) {
  return offset <= bytes.size() && length <= bytes.size() - offset;
}

struct Section {
  std::uint32_t virtualAddress = 0;
  std::uint32_t virtualSize = 0;
  std::uint32_t rawOffset = 0;
  std::uint32_t rawSize = 0;
};

// Where the bytes at rva are in the file, and how many of them the section holds there.
struct FileSpan {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

std::optional<FileSpan> rvaToFile(const std::vector<Section>& sections, std::uint32_t rva, std::size_t fileSize) {
  for (const auto& s : sections) {
    const std::uint64_t span = s.virtualSize != 0 ? s.virtualSize : s.rawSize;
    if (rva < s.virtualAddress || rva - s.virtualAddress >= span) continue;
    const std::uint64_t into = rva - s.virtualAddress;
    if (into >= s.rawSize || s.rawOffset >= fileSize) return std::nullopt;  // not in the file (zero-filled)
    std::uint64_t length = std::uint64_t{s.rawSize} - into;
    const std::uint64_t at = std::uint64_t{s.rawOffset} + into;
    if (at >= fileSize) return std::nullopt;
    if (length > fileSize - at) length = fileSize - at;  // a truncated file: what is there
    return FileSpan{at, length};
  }
  return std::nullopt;
}

// One resource directory's entries: (name or id, offset to data) pairs after the 16-byte header.
struct DirEntry {
  std::uint32_t name = 0;
  std::uint32_t offset = 0;
};

Result<std::vector<DirEntry>> directoryEntries(std::string_view tree, std::uint32_t at, std::size_t& walked) {
  if (!fits(tree, at, 16))
    return makeError(ErrorKind::kCorrupt, "a resource directory is outside the resource section");
  const std::size_t count = std::size_t{le16(tree, at + 12)} + le16(tree, at + 14);
  std::vector<DirEntry> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (++walked > kMaxEntriesWalked) return makeError(ErrorKind::kTooLarge, "too many resource entries");
    const std::uint64_t entry = std::uint64_t{at} + 16 + i * 8;
    if (!fits(tree, entry, 8))
      return makeError(ErrorKind::kCorrupt, "a resource directory's entries run past the section");
    out.push_back({le32(tree, static_cast<std::size_t>(entry)), le32(tree, static_cast<std::size_t>(entry + 4))});
  }
  return out;
}

// The first RT_VERSION resource's data entry: type 16, then any name, then any language. The tree
// has exactly these three levels; a subdirectory where data belongs (or the reverse) is skipped, so
// an entry pointing back at its own directory ends the walk instead of looping.
Result<std::optional<std::pair<std::uint32_t, std::uint32_t>>> findVersionEntry(std::string_view tree) {
  std::size_t walked = 0;
  auto types = directoryEntries(tree, 0, walked);
  if (!types) return types.error();
  for (const auto& type : types.value()) {
    if (type.name != kRtVersion || (type.offset & kHighBit) == 0) continue;
    auto names = directoryEntries(tree, type.offset & ~kHighBit, walked);
    if (!names) return names.error();
    for (const auto& name : names.value()) {
      if ((name.offset & kHighBit) == 0) continue;
      auto languages = directoryEntries(tree, name.offset & ~kHighBit, walked);
      if (!languages) return languages.error();
      for (const auto& language : languages.value()) {
        if ((language.offset & kHighBit) != 0) continue;
        if (!fits(tree, language.offset, 16))
          return makeError(ErrorKind::kCorrupt, "a resource data entry is outside the resource section");
        return std::optional<std::pair<std::uint32_t, std::uint32_t>>{
            std::pair{le32(tree, language.offset), le32(tree, language.offset + 4)}};
      }
    }
  }
  return std::optional<std::pair<std::uint32_t, std::uint32_t>>{};
}

// A version block: wLength, wValueLength, wType, a NUL-terminated UTF-16 key, padding to 32 bits,
// the value, padding, the children. Offsets are into the version resource, whose start is aligned.
struct Block {
  std::string key;
  std::size_t value = 0;     // where the value starts
  std::size_t children = 0;  // where the children start
  std::size_t end = 0;       // one past the block
};

std::size_t align4(std::size_t at) { return (at + 3) & ~std::size_t{3}; }

// UTF-16LE units from at up to a NUL or limit, as UTF-8 cut at maxBytes (whole characters); at moves
// past the NUL.
std::string utf16String(std::string_view data, std::size_t& at, std::size_t limit, std::size_t maxBytes) {
  const std::size_t end = std::min(limit, data.size());
  std::string out;
  std::string one;
  while (at + 2 <= end) {
    if (le16(data, at) == 0) {
      at += 2;
      return out;
    }
    std::size_t unit = 0;
    const std::uint32_t cp = utf16LeAt(data.substr(at, end - at), unit);
    at += unit * 2;
    one.clear();
    appendUtf8(one, cp);
    if (out.size() + one.size() <= maxBytes) out += one;
  }
  at = end;
  return out;
}

Result<Block> readBlock(std::string_view data, std::size_t at, std::size_t limit) {
  if (at + 6 > limit) return makeError(ErrorKind::kCorrupt, "a version block header runs past its parent");
  const std::size_t length = le16(data, at);
  const std::size_t valueLength = le16(data, at + 2);
  const std::uint16_t type = le16(data, at + 4);
  if (length < 6 || at + length > limit)
    return makeError(ErrorKind::kCorrupt, "a version block's length is implausible");
  Block block;
  block.end = at + length;
  std::size_t cursor = at + 6;
  block.key = utf16String(data, cursor, block.end, kMaxKeyBytes);
  block.value = std::min(align4(cursor), block.end);
  // Text values count UTF-16 units (some tools write bytes): the children start after the value
  // either way, so only an upper bound is taken from it.
  const std::size_t valueBytes = type == 1 ? valueLength * 2 : valueLength;
  block.children = std::min(align4(block.value + valueBytes), block.end);
  return block;
}

// Every block directly inside parent, each handed to visit; a child shorter than its header ends it.
template <typename Visit>
Result<bool> forEachChild(std::string_view data, const Block& parent, Visit visit) {
  std::size_t at = parent.children;
  while (at + 6 <= parent.end) {
    if (le16(data, at) == 0) break;  // padding at the end of a parent
    auto child = readBlock(data, at, parent.end);
    if (!child) return child.error();
    if (!visit(child.value())) return false;
    at = align4(child.value().end);
  }
  return true;
}

Result<std::vector<PeVersionString>> versionStrings(std::string_view data) {
  auto root = readBlock(data, 0, data.size());
  if (!root) return root.error();
  if (root.value().key != "VS_VERSION_INFO")
    return makeError(ErrorKind::kCorrupt, "the version resource has no VS_VERSION_INFO");
  std::vector<PeVersionString> out;
  std::optional<Error> failure;
  auto walked = forEachChild(data, root.value(), [&](const Block& info) {
    if (info.key != "StringFileInfo") return true;  // VarFileInfo: translations only
    auto tables = forEachChild(data, info, [&](const Block& table) {
      auto strings = forEachChild(data, table, [&](const Block& string) {
        if (out.size() >= kMaxPeVersionStrings) return false;
        std::size_t at = string.value;
        std::string value = utf16String(data, at, string.end, kMaxPeVersionValueBytes);
        out.push_back({string.key, std::move(value)});
        return true;
      });
      if (!strings) failure = strings.error();
      return strings.ok() && out.size() < kMaxPeVersionStrings;
    });
    if (!tables) failure = tables.error();
    return tables.ok() && !failure;
  });
  if (!walked) return walked.error();
  if (failure && out.empty()) return *failure;  // what was read before the damage is kept
  return out;
}

}  // namespace

std::string PeVersionInfo::value(std::string_view key) const {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& s : strings) {
    if (s.key.size() == key.size() &&
        std::equal(key.begin(), key.end(), s.key.begin(), [&](char a, char b) { return lower(a) == lower(b); }))
      return s.value;
  }
  return {};
}

bool looksLikePe(std::string_view bytes) {
  if (bytes.size() < 64 || bytes[0] != 'M' || bytes[1] != 'Z') return false;
  const std::uint32_t peAt = le32(bytes, 0x3C);
  return fits(bytes, peAt, 4) && bytes.substr(peAt, 4) == std::string_view("PE\0\0", 4);
}

Result<PeVersionInfo> peVersionInfo(std::string_view bytes) {
  if (!looksLikePe(bytes)) return makeError(ErrorKind::kCorrupt, "not a PE file (no MZ header or PE signature)");
  PeVersionInfo info;
  const std::size_t coff = le32(bytes, 0x3C) + std::size_t{4};
  if (!fits(bytes, coff, 20)) return makeError(ErrorKind::kCorrupt, "truncated COFF header");
  info.machine = le16(bytes, coff);
  const std::size_t sectionCount = le16(bytes, coff + 2);
  const std::size_t optionalSize = le16(bytes, coff + 16);
  info.dll = (le16(bytes, coff + 18) & 0x2000U) != 0;
  const std::size_t optional = coff + 20;
  if (!fits(bytes, optional, 2) || optionalSize < 2) return makeError(ErrorKind::kCorrupt, "truncated optional header");
  const std::uint16_t magic = le16(bytes, optional);
  if (magic != 0x10b && magic != 0x20b) return makeError(ErrorKind::kCorrupt, "unknown optional header magic");
  info.pe32Plus = magic == 0x20b;
  if (sectionCount > kMaxSections) return makeError(ErrorKind::kCorrupt, "too many sections");

  std::vector<Section> sections;
  const std::size_t table = optional + optionalSize;
  for (std::size_t i = 0; i < sectionCount; ++i) {
    const std::size_t at = table + i * 40;
    if (!fits(bytes, at, 40)) return makeError(ErrorKind::kCorrupt, "truncated section table");
    sections.push_back({le32(bytes, at + 12), le32(bytes, at + 8), le32(bytes, at + 20), le32(bytes, at + 16)});
  }

  // The resource directory is data directory 2; how many directories there are is in the header.
  const std::size_t countAt = optional + (info.pe32Plus ? 108 : 92);
  const std::size_t directories = optional + (info.pe32Plus ? 112 : 96);
  if (countAt + 4 > optional + optionalSize || !fits(bytes, countAt, 4) || le32(bytes, countAt) < 3 ||
      directories + std::size_t{3} * 8 > optional + optionalSize || !fits(bytes, directories + 16, 8))
    return info;  // no resource directory: nothing to say
  const std::uint32_t resourceRva = le32(bytes, directories + 16);
  if (resourceRva == 0) return info;
  const auto tree = rvaToFile(sections, resourceRva, bytes.size());
  if (!tree) return makeError(ErrorKind::kCorrupt, "the resource directory is outside the file");
  const std::string_view treeBytes = bytes.substr(tree->offset, tree->length);
  auto entry = findVersionEntry(treeBytes);
  if (!entry) return entry.error();
  if (!entry.value()) return info;
  const auto [dataRva, dataSize] = *entry.value();
  const auto data = rvaToFile(sections, dataRva, bytes.size());
  if (!data || dataSize > data->length)
    return makeError(ErrorKind::kCorrupt, "the version resource is outside the file");
  const std::size_t size = std::min<std::size_t>(dataSize, kMaxVersionBytes);
  auto strings = versionStrings(bytes.substr(data->offset, size));
  if (!strings) return strings.error();
  info.strings = std::move(strings).value();
  return info;
}

}  // namespace mamori::common
