#pragma once
// Splitting a test's expected-table cell ("a;b;c") into its non-empty parts.

#include <sstream>
#include <string>
#include <vector>

namespace mamori::testsupport {

inline std::vector<std::string> splitNonEmpty(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace mamori::testsupport
