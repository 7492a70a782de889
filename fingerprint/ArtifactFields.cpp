#include "fingerprint/ArtifactFields.h"

#include <algorithm>

#include "fingerprint/FingerprintArtifact.h"

namespace mamori::fingerprint::artifact {

common::Result<SetHeader> readSetHeader(const common::JsonValue& root, std::int64_t supportedFormatVersion) {
  MAMORI_ARTIFACT_TRY(formatVersion, integerAt(root, "format_version", 1, 1'000'000, ""));
  if (formatVersion != supportedFormatVersion) {
    return corrupt("format_version " + std::to_string(formatVersion) + " is not supported by this agent (it reads " +
                       std::to_string(supportedFormatVersion) + ")",
                   "/format_version");
  }
  SetHeader header;
  MAMORI_ARTIFACT_TRY(name, stringAt(root, "set", 64, ""));
  if (!isSafeSetName(name)) return corrupt("expected letters, digits, '_', '-' or '.'", "/set");
  header.name = std::move(name);
  MAMORI_ARTIFACT_TRY(version, integerAt(root, "version", 1, INT64_MAX, ""));
  header.version = version;
  MAMORI_ARTIFACT_TRY(createdAt, stringAt(root, "created_at", 64, ""));
  header.createdAt = std::move(createdAt);
  MAMORI_ARTIFACT_TRY(keyId, stringAt(root, "key_id", 64, ""));
  header.keyId = std::move(keyId);
  return header;
}

void putLittleEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

common::Error corrupt(std::string message, std::string where) {
  return common::makeError(common::ErrorKind::kCorrupt, std::move(message), std::move(where));
}

// Reads a member that must be an integer in [min, max].
common::Result<std::int64_t> integerAt(const common::JsonValue& object, std::string_view key, std::int64_t min,
                                       std::int64_t max, const std::string& at) {
  const common::JsonValue* value = object.find(key);
  const std::string where = common::pointerAppend(at, key);
  if (value == nullptr) return corrupt("missing", where);
  if (!value->isInteger() || value->text.size() > 19)
    return corrupt("expected an integer, found " + common::describeJson(*value), where);
  std::int64_t n = 0;
  try {
    n = std::stoll(value->text);
  } catch (...) {
    return corrupt("expected an integer, found " + common::describeJson(*value), where);
  }
  if (n < min || n > max)
    return corrupt("expected " + std::to_string(min) + " to " + std::to_string(max) + ", found " + value->text, where);
  return n;
}

common::Result<std::string> stringAt(const common::JsonValue& object, std::string_view key, std::size_t maxBytes,
                                     const std::string& at) {
  const common::JsonValue* value = object.find(key);
  const std::string where = common::pointerAppend(at, key);
  if (value == nullptr) return corrupt("missing", where);
  if (value->kind != common::JsonKind::kString)
    return corrupt("expected a string, found " + common::describeJson(*value), where);
  if (value->text.size() > maxBytes) return corrupt("longer than " + std::to_string(maxBytes) + " bytes", where);
  return value->text;
}

common::Status onlyKeys(const common::JsonValue& object, std::initializer_list<std::string_view> keys,
                        const std::string& at) {
  if (object.kind != common::JsonKind::kObject) return corrupt("expected an object", at.empty() ? "/" : at);
  for (const auto& member : object.members) {
    if (std::find(keys.begin(), keys.end(), member.key) == keys.end())
      return corrupt("unknown key", common::pointerAppend(at, member.key));
  }
  return common::Ok{};
}

}  // namespace mamori::fingerprint::artifact
