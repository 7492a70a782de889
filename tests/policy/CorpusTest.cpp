// Every malformed policy under corpus/ must be refused with the errors its .expect file lists
// (one per line: JSON pointer, a tab, a fragment of the message), and must not crash.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "policy/PolicyParser.h"
#include "tests/policy/TestFiles.h"

using namespace mamori::policy;
namespace fs = std::filesystem;

namespace {

struct Expected {
  std::string pointer;
  std::string fragment;
};

std::vector<Expected> readExpectations(const fs::path& path) {
  std::vector<Expected> out;
  std::istringstream in(test::readFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto tab = line.find('\t');
    CAPTURE(line);
    REQUIRE(tab != std::string::npos);
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

}  // namespace

TEST_CASE("every malformed policy in the corpus gives its expected errors") {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(MAMORI_POLICY_CORPUS_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 15);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    const auto result = parsePolicy(test::readFile(file));
    CAPTURE(result.describe());
    CHECK_FALSE(result.ok());
    auto expectPath = file;
    expectPath.replace_extension(".expect");
    REQUIRE(fs::exists(expectPath));
    const auto expectations = readExpectations(expectPath);
    CHECK_FALSE(expectations.empty());
    for (const auto& expected : expectations) {
      CAPTURE(expected.pointer);
      CAPTURE(expected.fragment);
      const bool found = std::any_of(result.errors.begin(), result.errors.end(), [&](const auto& error) {
        return error.where == expected.pointer && error.message.find(expected.fragment) != std::string::npos;
      });
      CHECK(found);
    }
  }
}

TEST_CASE("every documented example policy parses and appears in docs/policy.md") {
  const std::string reference = test::readFile(MAMORI_POLICY_REFERENCE);
  REQUIRE_FALSE(reference.empty());
  int count = 0;
  for (const auto& entry : fs::directory_iterator(MAMORI_POLICY_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().filename().string());
    const auto result = parsePolicy(test::readFile(entry.path()));
    CAPTURE(result.describe());
    CHECK(result.ok());
    // docs/policy.md shows each example unchanged.
    CHECK(reference.find(test::readFile(entry.path())) != std::string::npos);
    ++count;
  }
  CHECK(count >= 3);
}
