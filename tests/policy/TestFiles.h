#pragma once
// Reading fixture files in tests, and looking for one parse error.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/PolicyParser.h"

namespace mamori::policy::test {

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// An error at JSON pointer `where` whose message contains `fragment`.
inline bool hasError(const PolicyParseResult& result, const std::string& where, const std::string& fragment) {
  for (const auto& error : result.errors) {
    if (error.where == where && error.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace mamori::policy::test
