#include "agent/activity/ArchiveFormat.h"

#include <cstdint>

#include "common/LittleEndian.h"
#include "scan/ZipReader.h"

namespace mamori::agent::activity {

namespace {

constexpr std::string_view kZip = "PK\x03\x04";
constexpr std::string_view kZipEmpty = "PK\x05\x06";
constexpr std::string_view k7z = "7z\xBC\xAF\x27\x1C";
constexpr std::string_view kRar4 = std::string_view("Rar!\x1A\x07\x00", 7);
constexpr std::string_view kRar5 = std::string_view("Rar!\x1A\x07\x01\x00", 8);
constexpr std::string_view kAesCoder = "\x06\xF1\x07\x01";

// Office documents (OOXML, OpenDocument) are zips too, but a document, not an archive someone made.
std::optional<ArchiveFormat> zipArchive(std::string_view data) {
  ArchiveFormat zip{"zip", false};
  auto entries = scan::readZipDirectory(data);
  if (!entries) return zip;  // truncated or damaged: still an archive by its magic
  for (const auto& entry : entries.value()) {
    if (entry.name == "[Content_Types].xml" || entry.name == "mimetype") return std::nullopt;
    zip.encrypted = zip.encrypted || entry.encrypted();
  }
  return zip;
}

// The start header (32 bytes) points at the next header at its end; the AES coder id appears there
// when headers or streams are encrypted (with -mhe the header itself is an AES-encoded stream).
bool sevenZipEncrypted(std::string_view data) {
  if (data.size() < 32) return false;
  const std::uint64_t offset = common::le64(data, 12);
  const std::uint64_t size = common::le64(data, 20);
  if (offset > data.size() - 32 || size > data.size() - 32 - offset) return false;
  return data.substr(32 + offset, size).find(kAesCoder) != std::string_view::npos;
}

// RAR5: after the signature, a header: CRC32 (4), size (vint), type (vint). Type 4 = archive
// encryption header (-hp). File-only encryption (-p) lives in per-file extra records: not decoded.
bool rar5Encrypted(std::string_view data) {
  std::size_t at = kRar5.size() + 4;
  for (int field = 0; field < 2; ++field) {
    std::uint64_t value = 0;
    int shift = 0;
    for (;;) {
      if (at >= data.size() || shift > 56) return false;
      const auto byte = static_cast<unsigned char>(data[at++]);
      value |= std::uint64_t{byte & 0x7FU} << static_cast<unsigned>(shift);
      shift += 7;
      if ((byte & 0x80U) == 0) break;
    }
    if (field == 1) return value == 4;
  }
  return false;
}

// RAR4: the main header (type 0x73) flag 0x0080 says headers are encrypted; the first file header
// (type 0x74) flag 0x0004 says its data is.
bool rar4Encrypted(std::string_view data) {
  std::size_t at = kRar4.size();
  for (int block = 0; block < 2 && at + 7 <= data.size(); ++block) {
    const auto type = static_cast<unsigned char>(data[at + 2]);
    const std::uint64_t flags = common::le16(data, at + 3);
    const std::uint64_t size = common::le16(data, at + 5);
    if (type == 0x73 && (flags & 0x0080U) != 0) return true;
    if (type == 0x74 && (flags & 0x0004U) != 0) return true;
    if (size < 7) return false;
    at += size;
  }
  return false;
}

}  // namespace

std::optional<ArchiveFormat> identifyArchive(std::string_view data) {
  if (data.substr(0, 4) == kZip || data.substr(0, 4) == kZipEmpty) return zipArchive(data);
  if (data.substr(0, 6) == k7z) return ArchiveFormat{"7z", sevenZipEncrypted(data)};
  if (data.substr(0, kRar5.size()) == kRar5) return ArchiveFormat{"rar", rar5Encrypted(data)};
  if (data.substr(0, kRar4.size()) == kRar4) return ArchiveFormat{"rar", rar4Encrypted(data)};
  if (data.size() >= 262 && data.substr(257, 5) == "ustar") return ArchiveFormat{"tar", false};
  if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1F && static_cast<unsigned char>(data[1]) == 0x8B) {
    return ArchiveFormat{"gzip", false};
  }
  return std::nullopt;
}

}  // namespace mamori::agent::activity
