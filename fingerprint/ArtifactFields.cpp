#include "fingerprint/ArtifactFields.h"

#include <algorithm>

#include "common/LittleEndian.h"
#include "fingerprint/FingerprintArtifact.h"

namespace mamori::fingerprint::artifact {

namespace {

bool isHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

common::Error corrupt(std::string message, std::string where) {
  return common::makeError(common::ErrorKind::kCorrupt, std::move(message), std::move(where));
}

void putLittleEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void putPadded(std::string& out, std::string_view text, std::size_t width) {
  MAMORI_ASSERT(text.size() <= width);
  out.append(text);
  out.append(width - text.size(), '\0');
}

void padTo8(std::string& out) { out.append((8 - out.size() % 8) % 8, '\0'); }

common::Result<std::string> paddedAt(std::string_view bytes, std::size_t at, std::size_t width, const char* what) {
  const std::string_view field = bytes.substr(at, width);
  const std::size_t end = std::min(field.find('\0'), field.size());
  if (field.find_first_not_of('\0', end) != std::string_view::npos)
    return corrupt(std::string(what) + ": bytes after its end", "offset " + std::to_string(at));
  return std::string(field.substr(0, end));
}

void writeSetHeader(std::string& out, const SetHeader& header) {
  out.append(kMagic);
  putLittleEndian(out, formatVersion(header.kind), 4);
  putLittleEndian(out, static_cast<std::uint32_t>(header.kind), 4);
  putLittleEndian(out, header.totalBytes, 8);
  putLittleEndian(out, static_cast<std::uint64_t>(header.version), 8);
  putPadded(out, header.name, 64);
  putPadded(out, header.keyId, 16);
  putPadded(out, header.createdAt.substr(0, 32), 32);
  putLittleEndian(out, header.entries, 8);
  putLittleEndian(out, header.bucketBits, 1);
  putLittleEndian(out, header.payloadBits, 1);
  out.append(6, '\0');
}

common::Result<SetHeader> readSetHeader(std::string_view bytes, Kind expected, std::size_t maxBytes, const char* what) {
  if (bytes.size() > maxBytes)
    return common::makeError(common::ErrorKind::kTooLarge,
                             std::string(what) + " larger than " + std::to_string(maxBytes) + " bytes", "offset 0");
  if (bytes.size() < kHeaderBytes || bytes.substr(0, kMagic.size()) != kMagic)
    return corrupt("not a signed set artifact (no \"MAMORSET\" header)", "offset 0");
  const std::uint32_t format = common::le32(bytes, 8);
  const std::uint32_t kind = common::le32(bytes, 12);
  if (format == 2)
    return corrupt(
        "set format 2 (values hashed with HMAC-SHA-256) is no longer read: register the set again "
        "with this version's mamorictl (fingerprints add / edm add)",
        "offset 8");
  if (kind != static_cast<std::uint32_t>(expected)) {
    const char* names[] = {"unknown", "a fingerprint set", "an exact-data-match set"};
    return corrupt(std::string("expected ") + names[static_cast<std::uint32_t>(expected)] + ", found " +
                       (kind >= 1 && kind <= 2 ? std::string(names[kind]) : "an unknown kind " + std::to_string(kind)),
                   "offset 12");
  }
  if (format == 3 && expected == Kind::kFingerprints)
    return corrupt(
        "fingerprint set format 3 (k-grams selected by winnowing) is no longer read: register the "
        "documents again with this version's mamorictl (fingerprints remove, then fingerprints add)",
        "offset 8");
  if (format != formatVersion(expected))
    return corrupt("format version " + std::to_string(format) + " is not supported by this program (it reads " +
                       std::to_string(formatVersion(expected)) + ")",
                   "offset 8");
  SetHeader header;
  header.kind = expected;
  header.totalBytes = common::le64(bytes, 16);
  if (header.totalBytes != bytes.size())
    return corrupt("says " + std::to_string(header.totalBytes) + " bytes, has " + std::to_string(bytes.size()),
                   "offset 16");
  const std::uint64_t version = common::le64(bytes, 24);
  if (version < 1 || version > static_cast<std::uint64_t>(INT64_MAX))
    return corrupt("version " + std::to_string(version) + " out of range", "offset 24");
  header.version = static_cast<std::int64_t>(version);
  MAMORI_ARTIFACT_TRY(name, paddedAt(bytes, 32, 64, "set name"));
  if (!isSafeSetName(name)) return corrupt("set name: expected letters, digits, '_', '-' or '.'", "offset 32");
  header.name = std::move(name);
  MAMORI_ARTIFACT_TRY(keyId, paddedAt(bytes, 96, 16, "key id"));
  if (keyId.size() != 16 || !isHex(keyId)) return corrupt("key id: expected 16 hex digits", "offset 96");
  header.keyId = std::move(keyId);
  MAMORI_ARTIFACT_TRY(createdAt, paddedAt(bytes, 112, 32, "created_at"));
  if (!std::all_of(createdAt.begin(), createdAt.end(), [](char c) { return c > ' ' && c < 0x7F; }))
    return corrupt("created_at: expected printable ASCII", "offset 112");
  header.createdAt = std::move(createdAt);
  header.entries = common::le64(bytes, 144);
  header.bucketBits = common::byteAt(bytes, 152);
  header.payloadBits = common::byteAt(bytes, 153);
  if (bytes.substr(154, 6).find_first_not_of('\0') != std::string_view::npos)
    return corrupt("reserved bytes are not zero", "offset 154");
  return header;
}

}  // namespace mamori::fingerprint::artifact
