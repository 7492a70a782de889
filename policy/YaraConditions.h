#pragma once
// A conservative reading of YARA rule conditions, for the literal prefilter (policy/YaraPrefilter,
// docs/decisions/0053): which rules of a source can be true only when at least one of their strings
// matched. Pure: reads the source text, no libyara.
//
// "Needs a string" is proven only for conditions built with `and`, `or` and parentheses from these
// operands: `$a` alone, `any of them`, `all of them`, `N of them` (N >= 1), and the same three over a
// list of string identifiers (`any of ($a, $b*)`). `or` needs every side to need a string, `and` one
// side. Anything else (`not`, counts, offsets, `filesize`, `at`, `in`, `for`, modules, externals,
// other rules, percentages, `none of`) is taken as "may be true without a string match".

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::policy {

// Rule identifier -> whether its condition can only be true when one of its strings matched.
// nullopt when the source holds anything this reader does not follow (an include, a syntax it does
// not know): the caller must then treat every rule as "may match without strings".
std::optional<std::map<std::string, bool>> rulesNeedingStrings(std::string_view source);

}  // namespace mamori::policy
