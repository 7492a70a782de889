#include "common/JsonValue.h"

#include <cstdio>

#include "common/JsonPointer.h"

namespace mamori::common {

namespace {

constexpr std::size_t kMaxShownChars = 48;

// Cuts at a character boundary so the message stays valid UTF-8.
std::string shorten(const std::string& text) {
  if (text.size() <= kMaxShownChars) return text;
  std::size_t cut = kMaxShownChars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return text.substr(0, cut) + "...";
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  if (kind != JsonKind::kObject) return nullptr;
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

bool JsonValue::isInteger() const {
  return kind == JsonKind::kNumber && text.find_first_of(".eE") == std::string::npos;
}

std::string describeJson(const JsonValue& value) {
  switch (value.kind) {
    case JsonKind::kNull: return "null";
    case JsonKind::kBool: return value.boolean ? "true" : "false";
    case JsonKind::kNumber: return shorten(value.text);
    case JsonKind::kString: return quote(shorten(value.text));
    case JsonKind::kArray: return "an array";
    case JsonKind::kObject: return "an object";
  }
  return "a value";
}

std::string pointerAppend(const std::string& base, std::string_view token) {
  return common::jsonPointerAppend(base, token);
}

std::string pointerAppend(const std::string& base, std::size_t index) { return base + "/" + std::to_string(index); }

std::string jsonQuote(std::string_view text) { return quote(text); }

std::string displayPointer(const std::string& pointer) { return pointer.empty() ? "/" : pointer; }

}  // namespace mamori::common
