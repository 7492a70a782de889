#include "common/JsonParser.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "common/Utf8.h"

namespace mamori::common {

namespace {

using common::Error;
using common::makeError;

// Recursive descent; depth is bounded by JsonLimits::maxDepth, so the stack is too.
class Parser {
 public:
  Parser(std::string_view text, const JsonLimits& limits) : text_(text), limits_(limits) {}

  common::Result<JsonValue> run() {
    if (text_.size() > limits_.maxBytes) {
      return makeError("the document is " + std::to_string(text_.size()) + " bytes, the limit is " +
                           std::to_string(limits_.maxBytes),
                       "/");
    }
    // A UTF-8 byte order mark (Windows editors write one) carries no meaning: skip it.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    skipSpace();
    if (atEnd()) return fail("", "the document is empty (expected a JSON object)");
    JsonValue root;
    if (!parseValue(root, "", 0)) return std::move(*error_);
    skipSpace();
    if (!atEnd()) return fail("", "unexpected " + describeHere() + " after the end of the JSON document");
    return root;
  }

 private:
  bool atEnd() const { return pos_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  // Line and column (in characters, not bytes) of pos_, counted from 1.
  std::string position() const {
    std::size_t line = 1;
    std::size_t column = 1;
    const std::size_t end = std::min(pos_, text_.size());
    for (std::size_t i = 0; i < end; ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0U) != 0x80U) {
        ++column;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  }

  std::string describeHere() const {
    if (atEnd()) return "end of text";
    const unsigned char c = peek();
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }

  Error fail(const std::string& pointer, const std::string& message) {
    error_ = makeError(message + " (" + position() + ")", displayPointer(pointer));
    return *error_;
  }
  bool failed(const std::string& pointer, const std::string& message) {
    fail(pointer, message);
    return false;
  }

  bool countValue(const std::string& pointer) {
    if (++values_ > limits_.maxValues) {
      return failed(pointer, "the document holds more than " + std::to_string(limits_.maxValues) + " values");
    }
    return true;
  }

  bool parseValue(JsonValue& out, const std::string& pointer, std::size_t depth) {
    if (!countValue(pointer)) return false;
    if (atEnd()) return failed(pointer, "the text ends where a value was expected (truncated?)");
    switch (peek()) {
      case '{': return parseObject(out, pointer, depth + 1);
      case '[': return parseArray(out, pointer, depth + 1);
      case '"': out.kind = JsonKind::kString; return parseString(out.text, pointer);
      case 't': return parseWord("true", out, pointer);
      case 'f': return parseWord("false", out, pointer);
      case 'n': return parseWord("null", out, pointer);
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parseNumber(out, pointer);
        return failed(pointer, "expected a value, found " + describeHere());
    }
  }

  bool parseWord(std::string_view word, JsonValue& out, const std::string& pointer) {
    if (text_.substr(pos_, word.size()) != word) {
      return failed(pointer, "expected a value, found " + describeHere());
    }
    pos_ += word.size();
    if (word == "null") {
      out.kind = JsonKind::kNull;
    } else {
      out.kind = JsonKind::kBool;
      out.boolean = word == "true";
    }
    return true;
  }

  bool digits() {
    const std::size_t start = pos_;
    while (!atEnd() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool parseNumber(JsonValue& out, const std::string& pointer) {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (!atEnd() && peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return failed(pointer, "malformed number: expected a digit, found " + describeHere());
    }
    if (!atEnd() && peek() == '.') {
      ++pos_;
      if (!digits()) return failed(pointer, "malformed number: expected a digit after '.', found " + describeHere());
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!atEnd() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digits()) return failed(pointer, "malformed number: expected exponent digits, found " + describeHere());
    }
    out.kind = JsonKind::kNumber;
    out.text = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool hex4(std::uint32_t& value, const std::string& pointer) {
    value = 0;
    for (int i = 0; i < 4; ++i) {
      if (atEnd()) return failed(pointer, "the text ends inside a \\u escape (truncated?)");
      const unsigned char c = peek();
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10U;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10U;
      } else {
        return failed(pointer, "expected 4 hex digits after \\u, found " + describeHere());
      }
      value = (value << 4U) | digit;
      ++pos_;
    }
    return true;
  }

  bool parseEscape(std::string& out, const std::string& pointer) {
    ++pos_;  // the backslash
    if (atEnd()) return failed(pointer, "the text ends inside a string (truncated?)");
    const unsigned char c = peek();
    ++pos_;
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: --pos_; return failed(pointer, "invalid escape in a string: \\" + describeHere());
    }
    std::uint32_t cp = 0;
    if (!hex4(cp, pointer)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return failed(pointer, "invalid \\u escape: a lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u")
        return failed(pointer, "invalid \\u escape: a high surrogate without its pair");
      pos_ += 2;
      std::uint32_t low = 0;
      if (!hex4(low, pointer)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return failed(pointer, "invalid \\u escape: a high surrogate without its pair");
      cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
    }
    if (cp == 0) return failed(pointer, "a NUL character (\\u0000) is not allowed in strings");
    common::appendUtf8(out, cp);
    return true;
  }

  // One raw UTF-8 sequence, strictly: no overlongs, no surrogates, nothing above U+10FFFF.
  bool copyUtf8(std::string& out, const std::string& pointer) {
    const unsigned char c = peek();
    int extra = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0U) == 0xC0U) {
      extra = 1, cp = c & 0x1FU, min = 0x80;
    } else if ((c & 0xF0U) == 0xE0U) {
      extra = 2, cp = c & 0x0FU, min = 0x800;
    } else if ((c & 0xF8U) == 0xF0U) {
      extra = 3, cp = c & 0x07U, min = 0x10000;
    } else {
      return failed(pointer, "invalid UTF-8: unexpected " + describeHere() + " (the policy must be UTF-8)");
    }
    if (text_.size() - pos_ <= static_cast<std::size_t>(extra)) {
      return failed(pointer, "invalid UTF-8: a multi-byte sequence is cut off by the end of the text");
    }
    for (int i = 1; i <= extra; ++i) {
      const auto next = static_cast<unsigned char>(text_[pos_ + static_cast<std::size_t>(i)]);
      if ((next & 0xC0U) != 0x80U) {
        return failed(pointer, "invalid UTF-8: " + describeHere() + " is not followed by continuation bytes");
      }
      cp = (cp << 6U) | (next & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return failed(pointer, "invalid UTF-8: an overlong, surrogate or out-of-range sequence");
    }
    out.append(text_.substr(pos_, static_cast<std::size_t>(extra) + 1));
    pos_ += static_cast<std::size_t>(extra) + 1;
    return true;
  }

  bool parseString(std::string& out, const std::string& pointer) {
    ++pos_;  // the opening quote
    while (true) {
      if (atEnd()) return failed(pointer, "the text ends inside a string (truncated?)");
      const unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!parseEscape(out, pointer)) return false;
      } else if (c < 0x20) {
        return failed(pointer, "a control character (" + describeHere() + ") inside a string must be escaped");
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
      } else if (!copyUtf8(out, pointer)) {
        return false;
      }
    }
  }

  bool checkDepth(const std::string& pointer, std::size_t depth) {
    if (depth > limits_.maxDepth) {
      return failed(pointer, "nesting deeper than " + std::to_string(limits_.maxDepth) + " levels");
    }
    return true;
  }

  bool parseArray(JsonValue& out, const std::string& pointer, std::size_t depth) {
    if (!checkDepth(pointer, depth)) return false;
    out.kind = JsonKind::kArray;
    ++pos_;
    skipSpace();
    if (!atEnd() && peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (out.items.size() >= limits_.maxItems) {
        return failed(pointer, "the array holds more than " + std::to_string(limits_.maxItems) + " items");
      }
      skipSpace();
      out.items.emplace_back();
      if (!parseValue(out.items.back(), pointerAppend(pointer, out.items.size() - 1), depth)) return false;
      skipSpace();
      if (atEnd()) return failed(pointer, "the text ends inside an array (truncated?)");
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return failed(pointer, "expected ',' or ']' in an array, found " + describeHere());
      ++pos_;
    }
  }

  bool parseObject(JsonValue& out, const std::string& pointer, std::size_t depth) {
    if (!checkDepth(pointer, depth)) return false;
    out.kind = JsonKind::kObject;
    ++pos_;
    skipSpace();
    if (!atEnd() && peek() == '}') {
      ++pos_;
      return true;
    }
    std::unordered_set<std::string> seen;
    while (true) {
      if (out.members.size() >= limits_.maxItems) {
        return failed(pointer, "the object holds more than " + std::to_string(limits_.maxItems) + " keys");
      }
      skipSpace();
      if (atEnd()) return failed(pointer, "the text ends inside an object (truncated?)");
      if (peek() != '"') return failed(pointer, "expected a key in double quotes, found " + describeHere());
      std::string key;
      if (!parseString(key, pointer)) return false;
      const std::string at = pointerAppend(pointer, key);
      // Poco and most parsers keep the last of two equal keys; for a policy that would let a second
      // "mode" silently override the first, so it is an error.
      if (!seen.insert(key).second) return failed(at, "duplicate key \"" + key + "\"");
      skipSpace();
      if (atEnd()) return failed(pointer, "the text ends inside an object (truncated?)");
      if (peek() != ':') return failed(at, "expected ':' after the key, found " + describeHere());
      ++pos_;
      skipSpace();
      out.members.push_back(JsonMember{std::move(key), JsonValue{}});
      if (!parseValue(out.members.back().value, at, depth)) return false;
      skipSpace();
      if (atEnd()) return failed(pointer, "the text ends inside an object (truncated?)");
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return failed(pointer, "expected ',' or '}' in an object, found " + describeHere());
      ++pos_;
    }
  }

  std::string_view text_;
  JsonLimits limits_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
  std::optional<Error> error_;
};

}  // namespace

common::Result<JsonValue> parseJsonStrict(std::string_view text, const JsonLimits& limits) {
  return Parser(text, limits).run();
}

}  // namespace mamori::common
