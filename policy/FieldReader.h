#pragma once
// Typed reads out of a common::JsonValue tree with precise errors, shared by the section parsers.
// Every read takes the value, its JSON pointer and the ErrorList; on a wrong value it records
// "expected ..., found ..." and leaves the output at its default, so parsing continues and every
// problem in the document is reported.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/JsonValue.h"
#include "policy/ErrorList.h"
#include "policy/Mode.h"

namespace mamori::policy {

inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::size_t kMaxListItems = 1024;
inline constexpr std::size_t kMaxYaraSourceBytes = 1U << 20U;

bool readString(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::string& out,
                std::size_t maxBytes, bool allowEmpty = false);
bool readBool(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, bool& out);
bool readInteger(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::int64_t& out,
                 std::int64_t min, std::int64_t max);
bool readMode(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, Mode& out);
// An absolute path or "~/..." (the user's home), without NUL or ".." components.
bool readPath(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::string& out);

// Calls each(item, itemPointer) for every item of an array of at most maxItems.
bool readArray(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::size_t maxItems,
               const std::function<void(const common::JsonValue&, const std::string&)>& each);
bool readPathList(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                  std::vector<std::string>& out);

// One JSON object being read. Keys that are read are marked; finish() reports every other key as
// unknown (with a "did you mean" when one is close), because a misspelt key must not silently
// leave a protection at its default.
class ObjectReader {
 public:
  ObjectReader(const common::JsonValue& value, std::string pointer, ErrorList& errors);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ~ObjectReader();

  bool isObject() const { return isObject_; }
  const std::string& pointer() const { return pointer_; }
  std::string pointerOf(std::string_view key) const { return common::pointerAppend(pointer_, key); }
  ErrorList& errors() { return errors_; }

  // The value under key, or nullptr when absent (or when this is not an object). Marks key as known.
  const common::JsonValue* get(std::string_view key);
  // Like get, and records "missing required key" when absent.
  const common::JsonValue* require(std::string_view key);

  void string(std::string_view key, std::string& out, std::size_t maxBytes = kMaxNameBytes);
  void boolean(std::string_view key, bool& out);
  void integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  void mode(std::string_view key, Mode& out);
  void pathList(std::string_view key, std::vector<std::string>& out);

  // Reports keys never asked for. Called by the destructor if not before.
  void finish();

 private:
  const common::JsonValue& value_;
  std::string pointer_;
  ErrorList& errors_;
  bool isObject_;
  bool finished_ = false;
  std::vector<std::string> known_;
};

// Levenshtein distance, small strings only (for "did you mean").
std::size_t editDistance(std::string_view a, std::string_view b);

}  // namespace mamori::policy
