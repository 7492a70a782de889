#include "fingerprint/FingerprintArtifact.h"

#include <algorithm>

#include "common/Base64Url.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

namespace {

constexpr std::size_t kEntryBytes = 12;

using artifact::corrupt;
using artifact::integerAt;
using artifact::onlyKeys;
using artifact::putLittleEndian;
using artifact::stringAt;

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
  MAMORI_ARTIFACT_TRY(format, stringAt(root, "format", 64, ""));
  if (format != kFingerprintFormat) return corrupt("not a fingerprint set (format \"" + format + "\")", "/format");
  MAMORI_ARTIFACT_TRY(header, artifact::readSetHeader(root, kFingerprintFormatVersion));
  FingerprintSet set;
  set.name = std::move(header.name);
  set.version = header.version;
  set.createdAt = std::move(header.createdAt);
  set.keyId = std::move(header.keyId);
  MAMORI_ARTIFACT_TRY(k, integerAt(root, "k", 4, 256, ""));
  MAMORI_ARTIFACT_TRY(window, integerAt(root, "window", 1, 1024, ""));
  set.params = {static_cast<std::size_t>(k), static_cast<std::size_t>(window)};
  MAMORI_ARTIFACT_TRY(boilerplateDocs, integerAt(root, "boilerplate_docs", 0, 1'000'000'000, ""));
  set.boilerplateDocs = boilerplateDocs;
  MAMORI_ARTIFACT_TRY(dropped, integerAt(root, "boilerplate_dropped", 0, INT64_MAX, ""));
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
    MAMORI_ARTIFACT_TRY(id, stringAt(item, "id", 64, at));
    if (!isSafeSetName(id)) return corrupt("expected letters, digits, '_', '-' or '.'", at + "/id");
    MAMORI_ARTIFACT_TRY(chars, integerAt(item, "chars", 0, INT64_MAX, at));
    MAMORI_ARTIFACT_TRY(count, integerAt(item, "fingerprints", 0, INT64_MAX, at));
    set.documents.push_back({std::move(id), chars, count});
  }

  MAMORI_ARTIFACT_TRY(entriesText, stringAt(root, "entries", limits.maxBytes, ""));
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
    const std::uint64_t hash = common::le64(*packed, i * kEntryBytes);
    const std::uint32_t doc = common::le32(*packed, i * kEntryBytes + 8);
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
