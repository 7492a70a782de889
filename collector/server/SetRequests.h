#pragma once
// Small readers the signed-set handlers share (CollectorApiFingerprints.cpp, CollectorApiEdm.cpp):
// a set name taken from a path, and members of an uploaded JSON body.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/JsonValue.h"
#include "fingerprint/FingerprintArtifact.h"

namespace mamori::collector::server::sets {

// prefix + <safe set name> + suffix -> the name; nullopt for any other path.
inline std::optional<std::string> nameAfter(const std::string& path, std::string_view prefix, std::string_view suffix) {
  if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0) return std::nullopt;
  if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  std::string name = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (!fingerprint::isSafeSetName(name)) return std::nullopt;
  return name;
}

// A non-negative integer member (at most 18 digits), or nullopt.
inline std::optional<std::int64_t> integerAt(const common::JsonValue& object, std::string_view key) {
  const auto* value = object.find(key);
  if (value == nullptr || !value->isInteger() || value->text.size() > 18 || value->text[0] == '-') return std::nullopt;
  return std::stoll(value->text);
}

inline const std::string* stringAt(const common::JsonValue& object, std::string_view key) {
  const auto* value = object.find(key);
  return value != nullptr && value->kind == common::JsonKind::kString ? &value->text : nullptr;
}

}  // namespace mamori::collector::server::sets
