#include "collector/server/ContentSetStatus.h"

#include <Poco/JSON/Array.h>

#include <cstdint>

#include "collector/server/ApiTypes.h"
#include "common/Utf8.h"
#include "fingerprint/FingerprintArtifact.h"

namespace mamori::collector::server {

namespace {

// A non-negative whole number, or 0: a status field never rejects the heartbeat.
std::int64_t count(const Poco::JSON::Object::Ptr& item, const std::string& key) {
  if (!item->has(key)) return 0;
  const auto value = item->get(key);
  if (!value.isInteger()) return 0;
  try {
    const auto number = value.convert<std::int64_t>();
    return number < 0 ? 0 : number;
  } catch (...) {  // out of range: not reported
    return 0;
  }
}

std::string text(const Poco::JSON::Object::Ptr& item, const std::string& key) {
  if (!item->has(key) || !item->get(key).isString()) return {};
  return item->get(key).extract<std::string>();
}

}  // namespace

std::optional<std::string> heartbeatContentSets(const Poco::JSON::Object::Ptr& details) {
  if (details.isNull() || !details->has("content.sets")) return std::nullopt;
  const auto sets = details->getArray("content.sets");
  if (sets.isNull()) return std::nullopt;
  std::string out = "[";
  std::size_t kept = 0;
  for (std::size_t i = 0; i < sets->size() && kept < kMaxReportedSets; ++i) {
    const auto item = sets->getObject(static_cast<unsigned>(i));
    if (item.isNull()) continue;
    const std::string kind = text(item, "kind");
    const std::string name = text(item, "name");
    if ((kind != "fingerprints" && kind != "edm") || !fingerprint::isSafeSetName(name)) continue;
    if (kept++ != 0) out += ',';
    out += "{\"kind\":" + jsonString(kind) + ",\"name\":" + jsonString(name) +
           ",\"version\":" + std::to_string(count(item, "version")) +
           ",\"entries\":" + std::to_string(count(item, "entries")) +
           ",\"bytes\":" + std::to_string(count(item, "bytes")) +
           ",\"refused_version\":" + std::to_string(count(item, "refused_version")) +
           ",\"error\":" + jsonString(common::capUtf8(text(item, "error"), kMaxSetErrorBytes)) + "}";
  }
  return out + "]";
}

std::string contentSetsJson(const std::string& stored) {
  // Written by heartbeatContentSets only; anything else (a hand-edited row) is not passed on.
  return !stored.empty() && stored.front() == '[' && stored.back() == ']' ? stored : "[]";
}

}  // namespace mamori::collector::server
