#include "scan/ZipReader.h"

#include <libdeflate.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <optional>

#include "common/LittleEndian.h"

namespace mamori::scan {

namespace {

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kMaxComment = 0xFFFF;

using common::le16;
using common::le32;

struct InflateEnder {
  void operator()(z_stream* s) const {
    inflateEnd(s);
    delete s;  // NOLINT: paired with new below
  }
};

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// A member whose header tells its true size, inflated by libdeflate in one call straight into a buffer
// of that size: about 3x zlib's speed on Office parts, the largest piece of an Office file's extraction
// (issue 17, docs/decisions/0045). Null for anything else (a header that lies, corrupt data): the caller
// then inflates with zlib, which gives the same bytes or the error. A size the input cannot inflate to
// (deflate's bound is 1032:1) is not even tried, so a lying header costs no large buffer here.
bool inflateExactInto(std::string_view data, std::uint64_t size, char* out) {
  thread_local const std::unique_ptr<libdeflate_decompressor, DecompressorFree> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) return false;
  std::size_t written = 0;
  return libdeflate_deflate_decompress(decompressor.get(), data.data(), data.size(), out,
                                       static_cast<std::size_t>(size), &written) == LIBDEFLATE_SUCCESS &&
         written == size;
}

bool exactSizePlausible(std::string_view data, std::uint64_t size) {
  constexpr std::uint64_t kDeflateRatioBound = 1032;
  return size <= static_cast<std::uint64_t>(data.size()) * kDeflateRatioBound + 1024;
}

std::optional<std::string> inflateExact(std::string_view data, std::uint64_t size) {
  if (!exactSizePlausible(data, size)) return std::nullopt;
  std::string out(static_cast<std::size_t>(size), '\0');
  if (!inflateExactInto(data, size, out.data())) return std::nullopt;
  return out;
}

// Where a member's data lies, after its local header; an error for a header or range that is wrong.
common::Result<std::string_view> memberData(std::string_view zip, const ZipEntry& entry) {
  const std::uint64_t at = entry.localHeaderOffset;
  if (at + 30 > zip.size() || le32(zip, at) != kLocalHeader)
    return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: bad local header");
  const std::uint64_t dataAt = at + 30 + le16(zip, at + 26) + le16(zip, at + 28);
  if (dataAt + entry.compressedSize > zip.size())
    return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: member data truncated");
  return zip.substr(dataAt, entry.compressedSize);
}

}  // namespace

common::Result<std::string> inflateBounded(std::string_view data, int windowBits, std::uint64_t maxBytes,
                                           std::uint64_t expectedBytes) {
  auto* raw = new z_stream{};  // NOLINT: owned by the unique_ptr right after init
  if (inflateInit2(raw, windowBits) != Z_OK) {
    delete raw;  // NOLINT
    return common::makeError("cannot start the deflate decoder");
  }
  const std::unique_ptr<z_stream, InflateEnder> stream(raw);
  std::string out;
  // The header's size is only a hint (it may lie), but right in practice: one allocation, no regrowth.
  out.reserve(static_cast<std::size_t>(std::min(expectedBytes, maxBytes)));
  std::string_view rest = data;
  char chunk[64 * 1024];
  for (;;) {
    const auto feed = static_cast<uInt>(std::min<std::size_t>(rest.size(), 1U << 30U));
    stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));  // NOLINT: zlib is not const
    stream->avail_in = feed;
    stream->next_out = reinterpret_cast<Bytef*>(chunk);  // NOLINT: byte buffer
    stream->avail_out = sizeof chunk;
    const int rc = inflate(stream.get(), Z_NO_FLUSH);
    rest.remove_prefix(feed - stream->avail_in);
    const std::size_t produced = sizeof chunk - stream->avail_out;
    if (out.size() + produced > maxBytes) {
      return common::makeError(common::ErrorKind::kTooLarge,
                               "inflates to more than " + std::to_string(maxBytes) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) return out;
    if (rc == Z_BUF_ERROR && rest.empty() && produced == 0)
      return common::makeError(common::ErrorKind::kCorrupt, "compressed data is truncated");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return common::makeError(common::ErrorKind::kCorrupt, "compressed data is corrupt");
  }
}

common::Result<std::vector<ZipEntry>> readZipDirectory(std::string_view zip) {
  if (zip.size() < kEndRecordSize) return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: too short");
  // The end record sits in the last 22 + up to 65535 (comment) bytes; search backwards.
  const std::size_t lowest = zip.size() > kEndRecordSize + kMaxComment ? zip.size() - kEndRecordSize - kMaxComment : 0;
  std::size_t end = std::string_view::npos;
  for (std::size_t at = zip.size() - kEndRecordSize + 1; at-- > lowest;) {
    if (le32(zip, at) == kEndOfDirectory) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos)
    return common::makeError(common::ErrorKind::kCorrupt,
                             "corrupt zip: end of central directory not found (truncated?)");
  const std::uint16_t count = le16(zip, end + 10);
  const std::uint32_t dirSize = le32(zip, end + 12);
  const std::uint32_t dirOffset = le32(zip, end + 16);
  if (count == 0xFFFF || dirSize == 0xFFFFFFFF || dirOffset == 0xFFFFFFFF) {
    return common::makeError("zip64 archives are not supported");
  }
  if (static_cast<std::uint64_t>(dirOffset) + dirSize > end)
    return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: central directory out of range");
  std::vector<ZipEntry> entries;
  entries.reserve(count);
  std::size_t at = dirOffset;
  for (std::uint16_t i = 0; i < count; ++i) {
    if (at + 46 > end || le32(zip, at) != kDirectoryEntry)
      return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: bad central directory entry");
    ZipEntry entry;
    entry.flags = le16(zip, at + 8);
    entry.method = le16(zip, at + 10);
    entry.compressedSize = le32(zip, at + 20);
    entry.uncompressedSize = le32(zip, at + 24);
    const std::uint16_t nameLen = le16(zip, at + 28);
    const std::uint16_t extraLen = le16(zip, at + 30);
    const std::uint16_t commentLen = le16(zip, at + 32);
    entry.localHeaderOffset = le32(zip, at + 42);
    if (at + 46 + nameLen > end)
      return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip: entry name out of range");
    entry.name.assign(zip.substr(at + 46, nameLen));
    if (entry.compressedSize == 0xFFFFFFFF || entry.uncompressedSize == 0xFFFFFFFF ||
        entry.localHeaderOffset == 0xFFFFFFFF) {
      return common::makeError("zip64 archives are not supported");
    }
    entries.push_back(std::move(entry));
    at += 46U + nameLen + extraLen + commentLen;
  }
  return entries;
}

common::Result<std::string> readZipMember(std::string_view zip, const ZipEntry& entry, std::uint64_t maxBytes) {
  auto located = memberData(zip, entry);
  if (!located) return located.error();
  const std::string_view data = located.value();
  if (entry.method == 0) {
    if (entry.compressedSize > maxBytes)
      return common::makeError(common::ErrorKind::kTooLarge,
                               "member larger than " + std::to_string(maxBytes) + " bytes");
    return std::string(data);
  }
  if (entry.method != 8)
    return common::makeError("compression method " + std::to_string(entry.method) + " not supported");
  if (entry.uncompressedSize <= maxBytes) {
    if (auto exact = inflateExact(data, entry.uncompressedSize)) return std::move(exact).value();
  }
  auto out = inflateBounded(data, -MAX_WBITS, maxBytes, entry.uncompressedSize);
  if (!out && out.error().kind == common::ErrorKind::kTooLarge) {
    return common::makeError(common::ErrorKind::kTooLarge, "member " + out.error().message + " (its header says " +
                                                               std::to_string(entry.uncompressedSize) + ")");
  }
  if (!out) return common::makeError(common::ErrorKind::kCorrupt, "corrupt zip member: " + out.error().message);
  return out;
}

common::Result<std::string_view> readZipMemberInto(std::string_view zip, const ZipEntry& entry, std::uint64_t maxBytes,
                                                   std::string& scratch) {
  // The usual member (deflated, its size told right) is inflated by libdeflate straight into scratch;
  // anything else takes readZipMember's way (the same bytes or the same error) and is copied there.
  if (entry.method == 8 && entry.uncompressedSize <= maxBytes) {
    auto located = memberData(zip, entry);
    if (!located) return located.error();
    const std::string_view data = located.value();
    if (exactSizePlausible(data, entry.uncompressedSize)) {
      const auto size = static_cast<std::size_t>(entry.uncompressedSize);
      if (scratch.size() < size) scratch.resize(size);
      if (inflateExactInto(data, size, scratch.data())) return std::string_view(scratch.data(), size);
    }
  }
  auto member = readZipMember(zip, entry, maxBytes);
  if (!member) return member.error();
  const std::string& bytes = member.value();
  if (scratch.size() < bytes.size()) scratch.resize(bytes.size());
  std::memcpy(scratch.data(), bytes.data(), bytes.size());
  return std::string_view(scratch.data(), bytes.size());
}

}  // namespace mamori::scan
