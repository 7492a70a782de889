#include "fingerprint/FingerprintArtifact.h"

#include <algorithm>

#include "common/Base64Url.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"

// Takes a Result's value or returns its error from the enclosing function (this file's parser only).
#define MAMORI_TRY_ASSIGN(var, expr)              \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(var##_result).value()

namespace mamori::fingerprint {

namespace {

constexpr std::size_t kEntryBytes = 12;

void putLittleEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t getLittleEndian(const char* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
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

}  // namespace

bool isSafeSetName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

std::string fingerprintArtifactJson(const FingerprintSet& set) {
  namespace json = common::json;
  common::JsonValue root = json::object();
  json::set(root, "format", json::string(kFingerprintFormat));
  json::set(root, "format_version", json::integer(kFingerprintFormatVersion));
  json::set(root, "set", json::string(set.name));
  json::set(root, "version", json::integer(set.version));
  json::set(root, "created_at", json::string(set.createdAt));
  json::set(root, "key_id", json::string(set.keyId));
  json::set(root, "k", json::integer(static_cast<std::int64_t>(set.params.k)));
  json::set(root, "window", json::integer(static_cast<std::int64_t>(set.params.window)));
  json::set(root, "boilerplate_docs", json::integer(set.boilerplateDocs));
  json::set(root, "boilerplate_dropped", json::integer(set.boilerplateDropped));
  common::JsonValue documents = json::array();
  for (const auto& document : set.documents) {
    common::JsonValue item = json::object();
    json::set(item, "id", json::string(document.id));
    json::set(item, "chars", json::integer(document.chars));
    json::set(item, "fingerprints", json::integer(document.fingerprints));
    documents.items.push_back(std::move(item));
  }
  json::set(root, "documents", std::move(documents));
  std::string packed;
  packed.reserve(set.hashes.size() * kEntryBytes);
  for (std::size_t i = 0; i < set.hashes.size(); ++i) {
    putLittleEndian(packed, set.hashes[i], 8);
    putLittleEndian(packed, set.docs[i], 4);
  }
  json::set(root, "entries", json::string(common::base64UrlEncode(packed)));
  return json::write(root, json::Style::kCanonical);
}

common::Result<FingerprintSet> parseFingerprintArtifact(std::string_view text, const ArtifactLimits& limits) {
  if (text.size() > limits.maxBytes)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "fingerprint set larger than " + std::to_string(limits.maxBytes) + " bytes", "/");
  common::JsonLimits jsonLimits;
  jsonLimits.maxBytes = limits.maxBytes;
  jsonLimits.maxDepth = 4;
  jsonLimits.maxItems = limits.maxDocuments + 16;
  jsonLimits.maxValues = limits.maxDocuments * 4 + 64;
  auto parsed = common::parseJsonStrict(text, jsonLimits);
  if (!parsed) return parsed.error();
  const common::JsonValue& root = parsed.value();
  if (auto ok = onlyKeys(root,
                         {"format", "format_version", "set", "version", "created_at", "key_id", "k", "window",
                          "boilerplate_docs", "boilerplate_dropped", "documents", "entries"},
                         "");
      !ok)
    return ok.error();
  MAMORI_TRY_ASSIGN(format, stringAt(root, "format", 64, ""));
  if (format != kFingerprintFormat) return corrupt("not a fingerprint set (format \"" + format + "\")", "/format");
  MAMORI_TRY_ASSIGN(formatVersion, integerAt(root, "format_version", 1, 1'000'000, ""));
  if (formatVersion != kFingerprintFormatVersion)
    return corrupt("format_version " + std::to_string(formatVersion) + " is not supported by this agent (it reads " +
                       std::to_string(kFingerprintFormatVersion) + ")",
                   "/format_version");
  FingerprintSet set;
  MAMORI_TRY_ASSIGN(name, stringAt(root, "set", 64, ""));
  if (!isSafeSetName(name)) return corrupt("expected letters, digits, '_', '-' or '.'", "/set");
  set.name = std::move(name);
  MAMORI_TRY_ASSIGN(version, integerAt(root, "version", 1, INT64_MAX, ""));
  set.version = version;
  MAMORI_TRY_ASSIGN(createdAt, stringAt(root, "created_at", 64, ""));
  set.createdAt = std::move(createdAt);
  MAMORI_TRY_ASSIGN(keyId, stringAt(root, "key_id", 64, ""));
  set.keyId = std::move(keyId);
  MAMORI_TRY_ASSIGN(k, integerAt(root, "k", 4, 256, ""));
  MAMORI_TRY_ASSIGN(window, integerAt(root, "window", 1, 1024, ""));
  set.params = {static_cast<std::size_t>(k), static_cast<std::size_t>(window)};
  MAMORI_TRY_ASSIGN(boilerplateDocs, integerAt(root, "boilerplate_docs", 0, 1'000'000'000, ""));
  set.boilerplateDocs = boilerplateDocs;
  MAMORI_TRY_ASSIGN(dropped, integerAt(root, "boilerplate_dropped", 0, INT64_MAX, ""));
  set.boilerplateDropped = dropped;

  const common::JsonValue* documents = root.find("documents");
  if (documents == nullptr || documents->kind != common::JsonKind::kArray)
    return corrupt("expected an array", "/documents");
  if (documents->items.size() > limits.maxDocuments)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxDocuments) + " documents", "/documents");
  for (std::size_t i = 0; i < documents->items.size(); ++i) {
    const std::string at = common::pointerAppend("/documents", i);
    const common::JsonValue& item = documents->items[i];
    if (auto ok = onlyKeys(item, {"id", "chars", "fingerprints"}, at); !ok) return ok.error();
    MAMORI_TRY_ASSIGN(id, stringAt(item, "id", 64, at));
    if (!isSafeSetName(id)) return corrupt("expected letters, digits, '_', '-' or '.'", at + "/id");
    MAMORI_TRY_ASSIGN(chars, integerAt(item, "chars", 0, INT64_MAX, at));
    MAMORI_TRY_ASSIGN(count, integerAt(item, "fingerprints", 0, INT64_MAX, at));
    set.documents.push_back({std::move(id), chars, count});
  }

  MAMORI_TRY_ASSIGN(entriesText, stringAt(root, "entries", limits.maxBytes, ""));
  auto packed = common::base64UrlDecode(entriesText);
  if (!packed) return corrupt("not base64url", "/entries");
  if (packed->size() % kEntryBytes != 0)
    return corrupt("length is not a multiple of " + std::to_string(kEntryBytes) + " bytes", "/entries");
  const std::size_t entries = packed->size() / kEntryBytes;
  if (entries > limits.maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxEntries) + " entries", "/entries");
  set.hashes.reserve(entries);
  set.docs.reserve(entries);
  std::vector<std::int64_t> counts(set.documents.size(), 0);
  for (std::size_t i = 0; i < entries; ++i) {
    const char* entry = packed->data() + i * kEntryBytes;
    const std::uint64_t hash = getLittleEndian(entry, 8);
    const auto doc = static_cast<std::uint32_t>(getLittleEndian(entry + 8, 4));
    if (doc >= set.documents.size())
      return corrupt("entry " + std::to_string(i) + " names document " + std::to_string(doc) + " of " +
                         std::to_string(set.documents.size()),
                     "/entries");
    if (i > 0 && (hash < set.hashes.back() || (hash == set.hashes.back() && doc <= set.docs.back())))
      return corrupt("entry " + std::to_string(i) + " is out of order", "/entries");
    set.hashes.push_back(hash);
    set.docs.push_back(doc);
    ++counts[doc];
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != set.documents[i].fingerprints)
      return corrupt("says " + std::to_string(set.documents[i].fingerprints) + " fingerprints, the entries hold " +
                         std::to_string(counts[i]),
                     common::pointerAppend("/documents", i) + "/fingerprints");
  }
  return set;
}

}  // namespace mamori::fingerprint

#undef MAMORI_TRY_ASSIGN
