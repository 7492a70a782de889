#include "agent/contentscan/RefusedSets.h"

#include <cerrno>
#include <cstdlib>

#include "common/JsonParser.h"

namespace mamori::agent::contentscan {

namespace {

constexpr int kFormat = 1;
constexpr std::size_t kMaxText = 4096;
constexpr std::size_t kMaxSets = 256;

common::Error bad(const std::string& where, const std::string& message) {
  return common::makeError(common::ErrorKind::kCorrupt, message, where);
}

common::Result<std::string> text(const common::JsonValue& object, const std::string& key, const std::string& where) {
  const common::JsonValue* value = object.find(key);
  if (value == nullptr || value->kind != common::JsonKind::kString) return bad(where + "/" + key, "expected a string");
  if (value->text.size() > kMaxText) return bad(where + "/" + key, "longer than " + std::to_string(kMaxText));
  return value->text;
}

}  // namespace

std::string refusedSetsJson(const RefusedSets& refused) {
  std::string out = "{\"format\":" + std::to_string(kFormat) + ",\"refused\":{";
  bool first = true;
  for (const auto& [key, r] : refused) {
    out += std::string(first ? "" : ",") + common::jsonQuote(key) + ":{\"version\":" + std::to_string(r.version) +
           ",\"etag\":" + common::jsonQuote(r.etag) + ",\"sha256\":" + common::jsonQuote(r.sha256) +
           ",\"error\":" + common::jsonQuote(r.error) + "}";
    first = false;
  }
  return out + "}}\n";
}

common::Result<RefusedSets> parseRefusedSets(std::string_view document) {
  common::JsonLimits limits;
  limits.maxBytes = kMaxRefusedFileBytes;
  auto root = common::parseJsonStrict(document, limits);
  if (!root) return root.error();
  const common::JsonValue* format = root.value().find("format");
  if (format == nullptr || !format->isInteger() || format->text != std::to_string(kFormat))
    return bad("/format", "expected " + std::to_string(kFormat));
  const common::JsonValue* sets = root.value().find("refused");
  if (sets == nullptr || sets->kind != common::JsonKind::kObject) return bad("/refused", "expected an object");
  if (sets->members.size() > kMaxSets) return bad("/refused", "more than " + std::to_string(kMaxSets) + " sets");
  RefusedSets out;
  for (const auto& member : sets->members) {
    const std::string where = common::pointerAppend("/refused", member.key);
    if (member.value.kind != common::JsonKind::kObject) return bad(where, "expected an object");
    if (member.key.empty() || member.key.size() > 128) return bad(where, "not a set key");
    RefusedSet r;
    const common::JsonValue* version = member.value.find("version");
    if (version == nullptr || !version->isInteger()) return bad(where + "/version", "expected a whole number");
    errno = 0;
    char* end = nullptr;
    const long long parsed = std::strtoll(version->text.c_str(), &end, 10);
    if (errno != 0 || end == nullptr || *end != '\0' || parsed < 0) return bad(where + "/version", "out of range");
    r.version = parsed;
    for (auto [key, into] :
         {std::pair{"etag", &r.etag}, std::pair{"sha256", &r.sha256}, std::pair{"error", &r.error}}) {
      auto value = text(member.value, key, where);
      if (!value) return value.error();
      *into = std::move(value).value();
    }
    out[member.key] = std::move(r);
  }
  return out;
}

}  // namespace mamori::agent::contentscan
