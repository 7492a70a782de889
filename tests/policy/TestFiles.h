#pragma once
// Reading fixture files in tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mamori::policy::test {

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace mamori::policy::test
