#include "scan/CompoundFile.h"

#include <algorithm>

#include "scan/LegacyText.h"

namespace mamori::scan {

namespace {

constexpr std::string_view kMagic{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8};
constexpr std::size_t kHeaderBytes = 512;
constexpr std::size_t kHeaderDifatEntries = 109;
constexpr std::size_t kDirectoryEntryBytes = 128;
constexpr std::uint32_t kMiniSectorBytes = 64;
constexpr std::uint32_t kMaxRegularSector = 0xFFFFFFFAU;
constexpr std::uint32_t kEndOfChain = 0xFFFFFFFEU;
constexpr std::uint32_t kNoStream = 0xFFFFFFFFU;
constexpr std::uint64_t kUntilEnd = ~std::uint64_t{0};

common::Error corrupt(const std::string& what) {
  return common::makeError(common::ErrorKind::kCorrupt, "corrupt compound file: " + what);
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct RawEntry {
  std::string name;
  std::uint8_t type = 0;
  std::uint32_t left = kNoStream, right = kNoStream, child = kNoStream;
  std::uint32_t start = 0;
  std::uint64_t size = 0;
};

}  // namespace

common::Result<CompoundFile> CompoundFile::open(std::string_view data) {
  CompoundFile file(data);
  if (auto s = file.readHeader(); !s) return s.error();
  if (auto s = file.readFat(); !s) return s.error();
  if (auto s = file.readDirectory(); !s) return s.error();
  return file;
}

common::Status CompoundFile::readHeader() {
  if (data_.size() < kHeaderBytes || data_.substr(0, kMagic.size()) != kMagic) return corrupt("no OLE2 header");
  if (le16(data_, 0x1C) != 0xFFFE) return corrupt("byte order mark is not 0xFFFE");
  const std::uint16_t major = le16(data_, 0x1A);
  sectorShift_ = le16(data_, 0x1E);
  if (!((major == 3 && sectorShift_ == 9) || (major == 4 && sectorShift_ == 12))) {
    return corrupt("version " + std::to_string(major) + " with sector shift " + std::to_string(sectorShift_) +
                   " (only 3/9 and 4/12 exist)");
  }
  if (le16(data_, 0x20) != 6) return corrupt("mini sector shift is not 6");
  const std::size_t sectorBytes = std::size_t{1} << sectorShift_;
  // Sector n starts at (n + 1) * sectorBytes; a last sector cut short still counts (its bytes are checked on use).
  sectorCount_ = data_.size() <= sectorBytes
                     ? 0
                     : static_cast<std::uint32_t>(std::min<std::size_t>(
                           (data_.size() - sectorBytes + sectorBytes - 1) / sectorBytes, 0xFFFFFFF0U));
  fatCount_ = le32(data_, 0x2C);
  firstDirectorySector_ = le32(data_, 0x30);
  miniCutoff_ = le32(data_, 0x38);
  firstMiniFatSector_ = le32(data_, 0x3C);
  firstDifatSector_ = le32(data_, 0x44);
  difatCount_ = le32(data_, 0x48);
  if (fatCount_ > sectorCount_) {
    return corrupt("header claims " + std::to_string(fatCount_) + " FAT sectors in a file of " +
                   std::to_string(sectorCount_) + " sectors");
  }
  if (difatCount_ > sectorCount_) return corrupt("header claims more DIFAT sectors than the file holds");
  return common::Ok{};
}

common::Status CompoundFile::readFat() {
  const std::size_t sectorBytes = std::size_t{1} << sectorShift_;
  const std::size_t perSector = sectorBytes / 4;
  std::vector<std::uint32_t> fatSectors;
  fatSectors.reserve(fatCount_);
  for (std::size_t i = 0; i < kHeaderDifatEntries && fatSectors.size() < fatCount_; ++i) {
    fatSectors.push_back(le32(data_, 0x4C + i * 4));
  }
  std::uint32_t difat = firstDifatSector_;
  for (std::uint32_t seen = 0; fatSectors.size() < fatCount_; ++seen) {
    if (seen >= difatCount_ || difat >= sectorCount_) {
      return corrupt("DIFAT chain ends after " + std::to_string(fatSectors.size()) + " of " +
                     std::to_string(fatCount_) + " FAT sectors");
    }
    const std::size_t at = (std::size_t{difat} + 1) << sectorShift_;
    if (at + sectorBytes > data_.size()) return corrupt("DIFAT sector " + std::to_string(difat) + " is cut short");
    for (std::size_t i = 0; i + 1 < perSector && fatSectors.size() < fatCount_; ++i) {
      fatSectors.push_back(le32(data_, at + i * 4));
    }
    difat = le32(data_, at + sectorBytes - 4);
  }
  fat_.reserve(fatSectors.size() * perSector);
  for (const std::uint32_t sector : fatSectors) {
    if (sector >= sectorCount_) return corrupt("FAT sector " + std::to_string(sector) + " lies outside the file");
    const std::size_t at = (std::size_t{sector} + 1) << sectorShift_;
    if (at + sectorBytes > data_.size()) return corrupt("FAT sector " + std::to_string(sector) + " is cut short");
    for (std::size_t i = 0; i < perSector; ++i) fat_.push_back(le32(data_, at + i * 4));
  }
  return common::Ok{};
}

common::Result<std::string> CompoundFile::chain(std::uint32_t start, std::uint64_t size, bool mini,
                                                std::uint64_t maxBytes) const {
  const bool untilEnd = size == kUntilEnd;
  if (!untilEnd && size > maxBytes) {
    return common::makeError(
        common::ErrorKind::kTooLarge,
        "stream of " + std::to_string(size) + " bytes is larger than the limit (" + std::to_string(maxBytes) + ")");
  }
  const std::vector<std::uint32_t>& fat = mini ? miniFat_ : fat_;
  const std::size_t unit = mini ? kMiniSectorBytes : std::size_t{1} << sectorShift_;
  const std::string_view source = mini ? std::string_view(miniStream_) : data_;
  const std::size_t base = mini ? 0 : unit;  // the header occupies the first sector-sized slot
  const std::uint64_t wanted = untilEnd ? maxBytes : size;
  std::string out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(wanted, source.size())));
  std::vector<bool> visited(fat.size(), false);
  std::uint32_t sector = start;
  while (out.size() < wanted && sector != kEndOfChain) {
    if (sector > kMaxRegularSector || sector >= fat.size()) {
      if (untilEnd && sector == kNoStream && out.empty()) break;
      return corrupt((mini ? "mini sector " : "sector ") + std::to_string(sector) + " in a chain is outside the " +
                     (mini ? "mini stream" : "FAT"));
    }
    if (visited[sector])
      return corrupt("loop in the " + std::string(mini ? "MiniFAT" : "FAT") + " at sector " + std::to_string(sector));
    visited[sector] = true;
    const std::size_t at = base + std::size_t{sector} * unit;
    if (at >= source.size()) return corrupt("sector " + std::to_string(sector) + " lies past the end of the file");
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(unit, wanted - out.size()));
    out.append(source.substr(at, take));  // a last sector cut short gives fewer bytes; checked below
    sector = fat[sector];
  }
  if (untilEnd && out.size() >= maxBytes && sector != kEndOfChain) {
    return common::makeError(common::ErrorKind::kTooLarge,
                             "chain longer than the limit (" + std::to_string(maxBytes) + " bytes)");
  }
  if (!untilEnd && out.size() < size) {
    return corrupt("stream declared as " + std::to_string(size) + " bytes holds only " + std::to_string(out.size()) +
                   " (truncated file)");
  }
  return out;
}

common::Status CompoundFile::readDirectory() {
  const std::uint64_t fileBytes = data_.size();
  auto directory = chain(firstDirectorySector_, kUntilEnd, false, fileBytes);
  if (!directory) return directory.error();
  const std::string& dir = directory.value();
  const std::size_t count = dir.size() / kDirectoryEntryBytes;
  if (count == 0) return corrupt("empty directory");
  const bool version3 = sectorShift_ == 9;
  std::vector<RawEntry> raw(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view e = std::string_view(dir).substr(i * kDirectoryEntryBytes, kDirectoryEntryBytes);
    RawEntry& r = raw[i];
    const std::size_t nameBytes = std::min<std::size_t>(le16(e, 0x40), 64);
    if (nameBytes >= 2) appendUtf16Le(r.name, e.substr(0, nameBytes - 2));
    r.type = static_cast<std::uint8_t>(e[0x42]);
    r.left = le32(e, 0x44);
    r.right = le32(e, 0x48);
    r.child = le32(e, 0x4C);
    r.start = le32(e, 0x74);
    r.size = version3 ? le32(e, 0x78) : le64(e, 0x78);
  }
  if (raw.empty() || raw.front().type != static_cast<std::uint8_t>(CfbEntry::Type::kRoot)) {
    return corrupt("first entry is not the root");
  }
  const RawEntry root = raw.front();

  auto stream = chain(root.start, root.size, false, fileBytes);
  if (!stream && root.size > 0) return common::makeError(stream.error().kind, "mini stream: " + stream.error().message);
  if (stream) miniStream_ = std::move(stream.value());
  auto miniFat = chain(firstMiniFatSector_, kUntilEnd, false, fileBytes);
  if (!miniFat) return common::makeError(miniFat.error().kind, "MiniFAT: " + miniFat.error().message);
  const std::string& mf = miniFat.value();
  miniFat_.reserve(mf.size() / 4);
  for (std::size_t i = 0; i + 4 <= mf.size(); i += 4) miniFat_.push_back(le32(mf, i));

  // The tree: each storage's children form a red-black tree through left/right; every entry is taken once.
  std::vector<bool> visited(count, false);
  visited[0] = true;
  entries_.push_back({root.name, "", CfbEntry::Type::kRoot, root.start, root.size, -1});
  struct Pending {
    std::uint32_t id;
    int parent;
  };
  std::vector<Pending> stack;
  if (root.child < count) stack.push_back({root.child, 0});
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    if (p.id >= count || visited[p.id]) continue;  // a cycle or a shared subtree is read once
    visited[p.id] = true;
    const RawEntry& r = raw[p.id];
    if (r.left < count) stack.push_back({r.left, p.parent});
    if (r.right < count) stack.push_back({r.right, p.parent});
    if (r.type != 1 && r.type != 2) continue;  // unused or unknown entries
    const std::string& parentPath = entries_[static_cast<std::size_t>(p.parent)].path;
    entries_.push_back({r.name, parentPath.empty() ? r.name : parentPath + "/" + r.name,
                        static_cast<CfbEntry::Type>(r.type), r.start, r.size, p.parent});
    if (r.type == 1 && r.child < count) stack.push_back({r.child, static_cast<int>(entries_.size() - 1)});
  }
  children_.resize(entries_.size());
  for (std::size_t i = 1; i < entries_.size(); ++i)
    children_[static_cast<std::size_t>(entries_[i].parent)].push_back(i);
  byPath_.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) byPath_.emplace(lowerAscii(entries_[i].path), i);  // first wins
  return common::Ok{};
}

const CfbEntry* CompoundFile::find(std::string_view path) const {
  const auto it = byPath_.find(lowerAscii(path));
  return it == byPath_.end() ? nullptr : &entries_[it->second];
}

std::vector<const CfbEntry*> CompoundFile::children(int index) const {
  std::vector<const CfbEntry*> out;
  if (index < 0 || static_cast<std::size_t>(index) >= children_.size()) return out;
  for (const std::size_t child : children_[static_cast<std::size_t>(index)]) out.push_back(&entries_[child]);
  return out;
}

common::Result<std::string> CompoundFile::read(const CfbEntry& entry, std::uint64_t maxBytes) const {
  if (entry.type != CfbEntry::Type::kStream) return common::makeError("not a stream: " + entry.path);
  if (entry.size == 0) return std::string();
  auto bytes = chain(entry.startSector, entry.size, entry.size < miniCutoff_, maxBytes);
  if (!bytes) return common::makeError(bytes.error().kind, entry.path + ": " + bytes.error().message);
  return bytes;
}

}  // namespace mamori::scan
