#pragma once
// The fields of a text between one separator (lines of a list, key=value pairs of a query string):
// a view of each, in order; empty fields are kept (the caller skips them if it wants), a separator at
// the end starts no further field, and an empty text has none.

#include <string_view>
#include <vector>

namespace mamori::common {

inline std::vector<std::string_view> splitFields(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find(separator, at);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return fields;
}

}  // namespace mamori::common
