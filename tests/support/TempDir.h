#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the test ends.
// Shared by every unit test that needs files.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mamori::testsupport {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "mamori-test") {
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): tests change it only on one thread
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace mamori::testsupport
