#include "inspect/JsonText.h"

#include <algorithm>

#include "common/Utf8.h"

namespace mamori::inspect::json {

policy::JsonValue string(std::string_view text) {
  policy::JsonValue v;
  v.kind = policy::JsonKind::kString;
  v.text = safeText(text);
  return v;
}

policy::JsonValue integer(std::int64_t value) {
  policy::JsonValue v;
  v.kind = policy::JsonKind::kNumber;
  v.text = std::to_string(value);
  return v;
}

policy::JsonValue boolean(bool value) {
  policy::JsonValue v;
  v.kind = policy::JsonKind::kBool;
  v.boolean = value;
  return v;
}

policy::JsonValue array(std::vector<policy::JsonValue> items) {
  policy::JsonValue v;
  v.kind = policy::JsonKind::kArray;
  v.items = std::move(items);
  return v;
}

policy::JsonValue object() {
  policy::JsonValue v;
  v.kind = policy::JsonKind::kObject;
  return v;
}

void set(policy::JsonValue& object, std::string key, policy::JsonValue value) {
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

void writeValue(std::string& out, const policy::JsonValue& value, Style style, int depth) {
  switch (value.kind) {
    case policy::JsonKind::kNull: out += "null"; return;
    case policy::JsonKind::kBool: out += value.boolean ? "true" : "false"; return;
    case policy::JsonKind::kNumber: out += value.text; return;
    case policy::JsonKind::kString: writeString(out, value.text, style); return;
    case policy::JsonKind::kArray: {
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
    case policy::JsonKind::kObject: {
      std::vector<const policy::JsonMember*> members;
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

std::string write(const policy::JsonValue& value, Style style) {
  std::string out;
  writeValue(out, value, style, 0);
  return out;
}

}  // namespace mamori::inspect::json
