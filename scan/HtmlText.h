#pragma once
// The text of an HTML mail body: tags dropped, with block ends as line breaks and table cells as tabs
// (so numbers in neighbouring cells stay apart and a word split by <b> joins again), style, script,
// head and title content skipped, named and numeric entities decoded. Pure; never fails.

#include <string>
#include <string_view>

namespace mamori::scan {

std::string htmlText(std::string_view html);

}  // namespace mamori::scan
