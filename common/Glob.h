#pragma once
// Shell-style patterns for process names and paths: '*' any run of characters, '?' one character
// (one byte: the names matched are ASCII in practice). No character classes: the policy needs none.
// And the one test of a path lying below a folder.

#include <string_view>

namespace mamori::common {

// caseInsensitive folds ASCII letters only.
bool globMatch(std::string_view pattern, std::string_view text, bool caseInsensitive = false);

// True when `path` is `root` or lies below it (component-wise: "/a/bc" is not under "/a/b"; trailing
// slashes of root do not count).
bool pathIsUnder(std::string_view path, std::string_view root);

}  // namespace mamori::common
