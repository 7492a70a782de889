#pragma once
// Helpers for the scanner's tests: a temporary folder and the built-in policy's scan configuration.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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

// A tar archive written byte by byte: one ustar member per pair (a 512-byte header with name, octal
// size and checksum, the data padded to 512), then the two zero blocks that end it.
inline std::string tarOf(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  for (const auto& [name, data] : members) {
    std::string header(512, '\0');
    header.replace(0, name.size(), name);
    header.replace(100, 7, "0000644");
    char size[12];
    std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(data.size()));  // NOLINT: fixed format
    header.replace(124, 11, size);
    header.replace(136, 11, "00000000000");
    header[156] = '0';
    header.replace(257, 6, std::string("ustar\0", 6));
    header.replace(263, 2, "00");
    header.replace(148, 8, "        ");
    unsigned sum = 0;
    for (const char c : header) sum += static_cast<unsigned char>(c);
    char check[8];
    std::snprintf(check, sizeof check, "%06o", sum);  // NOLINT: fixed format
    header.replace(148, 7, std::string(check, 6) + '\0');
    std::string padded = data;
    padded.resize((data.size() + 511) / 512 * 512, '\0');
    out += header + padded;
  }
  return out + std::string(1024, '\0');
}

}  // namespace mamori::scan::test
