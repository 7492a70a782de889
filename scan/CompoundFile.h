#pragma once
// Reads a Compound File Binary (OLE2/CFB: .doc, .xls, .ppt, .msg) held in memory: the header, the
// FAT (through the header's and the chained DIFAT sectors), the MiniFAT and mini stream, and the
// directory tree. Pure and bounded: every sector number is checked against the file, every chain is
// followed at most once per sector (a loop is an error, not a hang), streams are read up to a
// caller-given size. [MS-CFB] is the reference.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/Result.h"

namespace mamori::scan {

struct CfbEntry {
  enum class Type : std::uint8_t { kStorage = 1, kStream = 2, kRoot = 5 };
  std::string name;  // UTF-8
  std::string path;  // names from below the root joined by '/': "__attach_version1.0_#00000000/__substg1.0_37010102"
  Type type = Type::kStream;
  std::uint32_t startSector = 0;
  std::uint64_t size = 0;
  int parent = -1;  // index into entries(); -1 for the root
};

class CompoundFile {
 public:
  // An error for data that is not a compound file or whose header, FAT or directory is broken.
  static common::Result<CompoundFile> open(std::string_view data);

  // Every entry reachable from the root, the root first, parents before their children.
  const std::vector<CfbEntry>& entries() const { return entries_; }

  // The entry at path (names compared without regard to ASCII case, as [MS-CFB] asks); nullptr if none.
  const CfbEntry* find(std::string_view path) const;
  // The children of entries()[index].
  std::vector<const CfbEntry*> children(int index) const;
  int indexOf(const CfbEntry& entry) const { return static_cast<int>(&entry - entries_.data()); }

  // A stream's bytes; an error when its chain is broken or loops, when it is shorter than its declared
  // size (truncated file), or when it is larger than maxBytes (kTooLarge).
  common::Result<std::string> read(const CfbEntry& entry, std::uint64_t maxBytes) const;

 private:
  explicit CompoundFile(std::string_view data) : data_(data) {}
  common::Status readHeader();
  common::Status readFat();
  common::Status readDirectory();
  // Follows a chain through fat in units of unitBytes read from source (the file's sectors, or the mini
  // stream's); at most maxBytes are gathered.
  common::Result<std::string> chain(std::uint32_t start, std::uint64_t size, bool mini, std::uint64_t maxBytes) const;

  std::string_view data_;
  unsigned sectorShift_ = 9;
  std::uint32_t sectorCount_ = 0;  // whole sectors in the file after the header
  std::uint32_t firstDirectorySector_ = 0;
  std::uint32_t miniCutoff_ = 4096;
  std::uint32_t firstMiniFatSector_ = 0;
  std::uint32_t firstDifatSector_ = 0;
  std::uint32_t difatCount_ = 0;
  std::uint32_t fatCount_ = 0;
  std::vector<std::uint32_t> fat_;
  std::vector<std::uint32_t> miniFat_;
  std::string miniStream_;
  std::vector<CfbEntry> entries_;
  std::unordered_map<std::string, std::size_t> byPath_;  // ASCII-lowercased path -> index into entries_
  std::vector<std::vector<std::size_t>> children_;       // per entry, the indexes of its children
};

}  // namespace mamori::scan
