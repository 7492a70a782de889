#pragma once
// The binary header every signed set artifact starts with (docs/decisions/0035), its writer and its
// strict reader, shared by FingerprintArtifact and EdmArtifact. Little-endian, fixed offsets:
//
//   0   8  magic "MAMORSET"         8  4  format_version (formatVersion(kind))     12  4  kind (1 fingerprints, 2 EDM)
//   16  8  total bytes of the artifact (its signature follows them)          24  8  set version
//   32 64  set name, NUL-padded     96 16  key id (16 hex digits)
//   112 32 created_at (UTC, NUL-padded)   144 8  entries   152 1  bucket bits   153 1  payload bits
//   154 6  zero; the kind's own fields start at 160.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::fingerprint::artifact {

constexpr std::string_view kMagic = "MAMORSET";
enum class Kind : std::uint32_t { kFingerprints = 1, kEdm = 2 };
// Each kind has its own format version since fingerprint sets moved to format 4:
// - 3 since docs/decisions/0049: values hashed with SipHash-2-4 (EDM sets still are format 3);
// - fingerprint sets 4 since docs/decisions/0063: k-grams selected by content-defined sampling (a keyed
//   gear hash) instead of winnowing, so the fingerprints of every document change.
// Sets of an older format are refused with a message saying to register them again.
constexpr std::uint32_t kFingerprintFormatVersion = 4;
constexpr std::uint32_t kEdmFormatVersion = 3;
constexpr std::uint32_t formatVersion(Kind kind) {
  return kind == Kind::kFingerprints ? kFingerprintFormatVersion : kEdmFormatVersion;
}
constexpr std::size_t kHeaderBytes = 160;

struct SetHeader {
  Kind kind = Kind::kFingerprints;
  std::uint64_t totalBytes = 0;
  std::string name;
  std::int64_t version = 0;
  std::string keyId;
  std::string createdAt;
  std::uint64_t entries = 0;
  unsigned bucketBits = 0;
  unsigned payloadBits = 0;
};

common::Error corrupt(std::string message, std::string where);

// The header of a set (FingerprintSet or EdmSet) whose artifact is totalBytes long.
template <typename Set>
SetHeader headerOf(Kind kind, const Set& set, std::uint64_t totalBytes) {
  return {kind,
          totalBytes,
          set.name,
          set.version,
          set.keyId,
          set.createdAt,
          set.index.size(),
          set.index.bucketBits(),
          set.index.payloadBits()};
}
// The set's names from its header.
template <typename Set>
void takeHeader(Set& set, SetHeader& header) {
  set.name = std::move(header.name);
  set.version = header.version;
  set.keyId = std::move(header.keyId);
  set.createdAt = std::move(header.createdAt);
}

// Appends the header (160 bytes).
void writeSetHeader(std::string& out, const SetHeader& header);
// Reads and checks the header of bytes (magic, format version, kind, total bytes equal to
// bytes.size(), a safe name, key id of hex digits, zero padding). where: the errors' location prefix.
// Refuses bytes over maxBytes first (what: the kind's name in the message).
common::Result<SetHeader> readSetHeader(std::string_view bytes, Kind expected, std::size_t maxBytes, const char* what);

// Appends the low `bytes` bytes of value, little-endian (read back with common/LittleEndian.h).
void putLittleEndian(std::string& out, std::uint64_t value, int bytes);
// Appends text NUL-padded to width bytes (text.size() <= width).
void putPadded(std::string& out, std::string_view text, std::size_t width);
// A NUL-padded text field: the bytes before the first NUL, which must be followed by NULs only.
common::Result<std::string> paddedAt(std::string_view bytes, std::size_t at, std::size_t width, const char* what);
// Zero bytes up to the next multiple of 8.
void padTo8(std::string& out);

}  // namespace mamori::fingerprint::artifact

// Takes a Result's value or returns its error from the enclosing function (artifact parsers only).
#define MAMORI_ARTIFACT_TRY(var, expr)            \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(var##_result).value()  // NOLINT(bugprone-macro-parentheses): var is the name declared
