#pragma once
// The strict member readers the signed set artifacts share (FingerprintArtifact, EdmArtifact): each
// error names the JSON pointer of the member and what was expected.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/JsonValue.h"
#include "common/Result.h"

namespace mamori::fingerprint::artifact {

common::Error corrupt(std::string message, std::string where);
// A member that must be an integer in [min, max].
common::Result<std::int64_t> integerAt(const common::JsonValue& object, std::string_view key, std::int64_t min,
                                       std::int64_t max, const std::string& at);
// A member that must be a string of at most maxBytes.
common::Result<std::string> stringAt(const common::JsonValue& object, std::string_view key, std::size_t maxBytes,
                                     const std::string& at);
// object must be an object holding no other members than keys.
common::Status onlyKeys(const common::JsonValue& object, std::initializer_list<std::string_view> keys,
                        const std::string& at);

// The members every set artifact carries after its format: format_version (must be the one this
// program reads), set (a safe name), version, created_at and key_id.
struct SetHeader {
  std::string name;
  std::int64_t version = 0;
  std::string createdAt;
  std::string keyId;
};
common::Result<SetHeader> readSetHeader(const common::JsonValue& root, std::int64_t supportedFormatVersion);

// Appends the low `bytes` bytes of value, little-endian (read back with common/LittleEndian.h).
void putLittleEndian(std::string& out, std::uint64_t value, int bytes);

}  // namespace mamori::fingerprint::artifact

// Takes a Result's value or returns its error from the enclosing function (artifact parsers only).
#define MAMORI_ARTIFACT_TRY(var, expr)            \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(var##_result).value()
