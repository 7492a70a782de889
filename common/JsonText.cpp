#include "common/JsonText.h"

#include <algorithm>
#include <cstdio>

#include "common/Utf8.h"

namespace mamori::common::json {

common::JsonValue string(std::string_view text) {
  common::JsonValue v;
  v.kind = common::JsonKind::kString;
  v.text = safeText(text);
  return v;
}

common::JsonValue integer(std::int64_t value) {
  common::JsonValue v;
  v.kind = common::JsonKind::kNumber;
  v.text = std::to_string(value);
  return v;
}

common::JsonValue boolean(bool value) {
  common::JsonValue v;
  v.kind = common::JsonKind::kBool;
  v.boolean = value;
  return v;
}

common::JsonValue array(std::vector<common::JsonValue> items) {
  common::JsonValue v;
  v.kind = common::JsonKind::kArray;
  v.items = std::move(items);
  return v;
}

common::JsonValue object() {
  common::JsonValue v;
  v.kind = common::JsonKind::kObject;
  return v;
}

void set(common::JsonValue& object, std::string key, common::JsonValue value) {
  object.members.push_back({std::move(key), std::move(value)});
}

std::string safeText(std::string_view bytes) {
  if (common::isValidUtf8(bytes)) return std::string(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::size_t i = 0;
  while (i < bytes.size()) {
    // The longest valid sequence starting here (1..4 bytes), else one escaped byte.
    std::size_t taken = 0;
    for (std::size_t n = 1; n <= 4 && i + n <= bytes.size(); ++n) {
      if (common::isValidUtf8(bytes.substr(i, n))) {
        taken = n;
        break;
      }
    }
    if (taken > 0) {
      out.append(bytes.substr(i, taken));
      i += taken;
    } else {
      const auto byte = static_cast<unsigned char>(bytes[i]);
      out += "\\x";
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xFU];
      ++i;
    }
  }
  return out;
}

namespace {

void writeString(std::string& out, std::string_view text, Style style) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool htmlSpecial = style == Style::kHtmlSafe && (c == '<' || c == '>' || c == '&');
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || htmlSpecial) {
      out += "\\u00";
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xFU];
    } else {
      out += c;
    }
  }
  out += '"';
}

void newline(std::string& out, Style style, int depth) {
  if (style != Style::kPretty) return;
  out += '\n';
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void writeValue(std::string& out, const common::JsonValue& value, Style style, int depth) {
  switch (value.kind) {
    case common::JsonKind::kNull: out += "null"; return;
    case common::JsonKind::kBool: out += value.boolean ? "true" : "false"; return;
    case common::JsonKind::kNumber: out += value.text; return;
    case common::JsonKind::kString: writeString(out, value.text, style); return;
    case common::JsonKind::kArray: {
      out += '[';
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out += ',';
        newline(out, style, depth + 1);
        writeValue(out, value.items[i], style, depth + 1);
      }
      if (!value.items.empty()) newline(out, style, depth);
      out += ']';
      return;
    }
    case common::JsonKind::kObject: {
      std::vector<const common::JsonMember*> members;
      members.reserve(value.members.size());
      for (const auto& m : value.members) members.push_back(&m);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->key < b->key; });
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        newline(out, style, depth + 1);
        writeString(out, members[i]->key, style);
        out += style == Style::kPretty ? ": " : ":";
        writeValue(out, members[i]->value, style, depth + 1);
      }
      if (!members.empty()) newline(out, style, depth);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string write(const common::JsonValue& value, Style style) {
  std::string out;
  writeValue(out, value, style, 0);
  return out;
}

std::string escapeLineControls(std::string_view jsonText) {
  return rewriteCodePoints(jsonText, [](std::string& out, std::uint32_t cp) {
    if (cp < 0x80 || cp >= kNotUtf8 || !isLineControl(cp)) return false;  // JSON escaped C0 already
    char escaped[16];
    std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned>(cp));
    out += escaped;
    return true;
  });
}

}  // namespace mamori::common::json
