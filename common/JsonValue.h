#pragma once
// A parsed JSON value as the policy parser sees it. We keep our own small tree instead of
// Poco::Dynamic::Var because the policy needs what Poco does not give: duplicate keys detected,
// numbers kept as written (so "1e400" or 2^64 are reported, not rounded), and bounded size.

#include <string>
#include <string_view>
#include <vector>

namespace mamori::common {

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonMember;  // a key and its value; a struct rather than std::pair, which needs complete types

struct JsonValue {
  JsonKind kind = JsonKind::kNull;
  bool boolean = false;
  std::string text;                 // a string's contents (UTF-8), or a number's literal as written
  std::vector<JsonValue> items;     // kArray
  std::vector<JsonMember> members;  // kObject, in document order

  // nullptr when absent (or when this is not an object).
  const JsonValue* find(std::string_view key) const;
  bool isInteger() const;  // a number without fraction or exponent
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// "found ..." text for error messages: strings quoted and shortened, numbers as written,
// containers by kind ("an object").
std::string describeJson(const JsonValue& value);

// Appends one reference token to a JSON pointer, escaping '~' and '/' (RFC 6901).
std::string pointerAppend(const std::string& base, std::string_view token);
std::string pointerAppend(const std::string& base, std::size_t index);

// text as a JSON string literal, quotes included (for documents we write).
std::string jsonQuote(std::string_view text);

// How a pointer is shown: the document root is "/".
std::string displayPointer(const std::string& pointer);

}  // namespace mamori::common
