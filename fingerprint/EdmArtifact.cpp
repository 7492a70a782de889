#include "fingerprint/EdmArtifact.h"

#include "common/Base64Url.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

using artifact::corrupt;
using artifact::integerAt;
using artifact::stringAt;

std::string edmArtifactJson(const EdmSet& set) {
  namespace json = common::json;
  common::JsonValue root = json::object();
  json::set(root, "format", json::string(kEdmFormat));
  json::set(root, "format_version", json::integer(kEdmFormatVersion));
  json::set(root, "set", json::string(set.name));
  json::set(root, "version", json::integer(set.version));
  json::set(root, "created_at", json::string(set.createdAt));
  json::set(root, "key_id", json::string(set.keyId));
  common::JsonValue columns = json::array();
  for (const EdmType type : set.columns) columns.items.push_back(json::string(edmTypeName(type)));
  json::set(root, "columns", std::move(columns));
  json::set(root, "min_columns", json::integer(set.minColumns));
  json::set(root, "window", json::integer(set.window));
  json::set(root, "rows", json::integer(set.rows));
  std::string packed;
  packed.reserve(set.keys.size() * kEdmEntryBytes);
  for (std::size_t i = 0; i < set.keys.size(); ++i) {
    artifact::putLittleEndian(packed, set.keys[i], 8);
    artifact::putLittleEndian(packed, set.entryRows[i], 4);
  }
  json::set(root, "entries", json::string(common::base64UrlEncode(packed)));
  return json::write(root, json::Style::kCanonical);
}

common::Result<EdmSet> parseEdmArtifact(std::string_view text, const ArtifactLimits& limits) {
  if (text.size() > limits.maxBytes)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "exact-data-match set larger than " + std::to_string(limits.maxBytes) + " bytes", "/");
  common::JsonLimits jsonLimits;
  jsonLimits.maxBytes = limits.maxBytes;
  jsonLimits.maxDepth = 3;
  jsonLimits.maxItems = kEdmMaxColumns + 16;
  jsonLimits.maxValues = kEdmMaxColumns + 64;
  auto parsed = common::parseJsonStrict(text, jsonLimits);
  if (!parsed) return parsed.error();
  const common::JsonValue& root = parsed.value();
  // The format first: a fingerprint set given for an EDM set is named as such, not as unknown keys.
  if (root.kind == common::JsonKind::kObject) {
    MAMORI_ARTIFACT_TRY(format, stringAt(root, "format", 64, ""));
    if (format != kEdmFormat) return corrupt("not an exact-data-match set (format \"" + format + "\")", "/format");
  }
  if (auto ok = artifact::onlyKeys(root,
                                   {"format", "format_version", "set", "version", "created_at", "key_id", "columns",
                                    "min_columns", "window", "rows", "entries"},
                                   "");
      !ok)
    return ok.error();
  MAMORI_ARTIFACT_TRY(header, artifact::readSetHeader(root, kEdmFormatVersion));
  EdmSet set;
  set.name = std::move(header.name);
  set.version = header.version;
  set.createdAt = std::move(header.createdAt);
  set.keyId = std::move(header.keyId);
  const common::JsonValue* columns = root.find("columns");
  if (columns == nullptr || columns->kind != common::JsonKind::kArray || columns->items.empty() ||
      columns->items.size() > kEdmMaxColumns)
    return corrupt("expected an array of 1 to " + std::to_string(kEdmMaxColumns) + " column types", "/columns");
  for (std::size_t i = 0; i < columns->items.size(); ++i) {
    const auto& item = columns->items[i];
    const auto type = item.kind == common::JsonKind::kString ? edmTypeFromName(item.text) : std::nullopt;
    if (!type) return corrupt("expected a column type (name, kana, phone, ...)", common::pointerAppend("/columns", i));
    set.columns.push_back(*type);
  }
  MAMORI_ARTIFACT_TRY(minColumns, integerAt(root, "min_columns", 1, static_cast<std::int64_t>(kEdmMaxColumns), ""));
  set.minColumns = minColumns;
  MAMORI_ARTIFACT_TRY(window, integerAt(root, "window", 16, 1 << 20, ""));
  set.window = window;
  MAMORI_ARTIFACT_TRY(rows, integerAt(root, "rows", 0, kEdmMaxRows, ""));
  set.rows = rows;

  const common::JsonValue* entries = root.find("entries");
  if (entries == nullptr || entries->kind != common::JsonKind::kString)
    return corrupt("expected base64url", "/entries");
  // Refused before decoding: base64url carries 3 bytes in 4 characters.
  if (entries->text.size() / 4 * 3 / kEdmEntryBytes > limits.maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxEntries) + " entries", "/entries");
  auto packed = common::base64UrlDecode(entries->text);
  if (!packed) return corrupt("not base64url", "/entries");
  if (packed->size() % kEdmEntryBytes != 0)
    return corrupt("length is not a multiple of " + std::to_string(kEdmEntryBytes) + " bytes", "/entries");
  const std::size_t n = packed->size() / kEdmEntryBytes;
  if (n > limits.maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxEntries) + " entries", "/entries");
  set.keys.reserve(n);
  set.entryRows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = i * kEdmEntryBytes;
    const std::uint64_t key = common::le64(*packed, at);
    const std::uint32_t row = common::le32(*packed, at + 8);
    const std::size_t column = key & kEdmColumnMask;
    if (static_cast<std::int64_t>(row) >= set.rows)
      return corrupt(
          "entry " + std::to_string(i) + " names row " + std::to_string(row) + " of " + std::to_string(set.rows),
          "/entries");
    if (column >= set.columns.size() || set.columns[column] == EdmType::kSkip)
      return corrupt(
          "entry " + std::to_string(i) + " names column " + std::to_string(column) + ", not a registered column",
          "/entries");
    if (i > 0 && (key < set.keys.back() || (key == set.keys.back() && row <= set.entryRows.back())))
      return corrupt("entry " + std::to_string(i) + " is out of order", "/entries");
    set.keys.push_back(key);
    set.entryRows.push_back(row);
  }
  return set;
}

}  // namespace mamori::fingerprint
