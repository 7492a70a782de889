#pragma once
// Helpers for the scanner's tests: a temporary folder and the built-in policy's scan configuration.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/DefaultPolicy.h"
#include "scan/ScanConfig.h"
#include "tests/support/TempDir.h"

namespace mamori::scan::test {

using TempDir = mamori::testsupport::TempDir;

inline ScanConfig builtinConfig() { return ScanConfig::fromPolicy(policy::builtinPolicy().contentScan); }

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

}  // namespace mamori::scan::test
