#pragma once
// A strict JSON parser for text from outside (policies, signed envelopes). Pure: a string in, a
// JsonValue or one precise error out. The error's `where` is the JSON pointer of the container being
// read when the problem was found, and the message carries line and column, so a truncated file says
// "/content_scan/rule_sets/0/source: the text ends inside a string (line 40, column 12)".

#include <cstddef>
#include <string_view>

#include "common/JsonValue.h"
#include "common/Result.h"

namespace mamori::common {

struct JsonLimits {
  std::size_t maxBytes = 4U << 20U;  // a policy with large rule sets is well below this
  std::size_t maxDepth = 32;         // the policy itself needs 5 levels
  std::size_t maxValues = 200'000;   // bounds memory: each value costs ~100 bytes in the tree
  std::size_t maxItems = 65'536;     // per array or object
};

common::Result<JsonValue> parseJsonStrict(std::string_view text, const JsonLimits& limits = {});

}  // namespace mamori::common
