#pragma once
// Shell-style patterns for process names and paths: '*' any run of characters, '?' one character
// (one byte: the names matched are ASCII in practice). No character classes: the policy needs none.

#include <string_view>

namespace mamori::common {

// caseInsensitive folds ASCII letters only.
bool globMatch(std::string_view pattern, std::string_view text, bool caseInsensitive = false);

}  // namespace mamori::common
