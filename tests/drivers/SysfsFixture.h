#pragma once
// A private copy of a recorded sysfs tree (tests/fixtures/sysfs/<name>) that a test may write to.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mamori::drivers::test {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class SysfsCopy {
 public:
  explicit SysfsCopy(const std::string& tree) {
    std::string pattern = (std::filesystem::temp_directory_path() / "mamori-sysfs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    root_ = pattern + "/sys";
    std::filesystem::copy(std::string(MAMORI_SYSFS_FIXTURES) + "/" + tree, root_,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    base_ = pattern;
  }
  ~SysfsCopy() {
    std::error_code ignored;
    std::filesystem::remove_all(base_, ignored);
  }
  SysfsCopy(const SysfsCopy&) = delete;
  SysfsCopy& operator=(const SysfsCopy&) = delete;
  const std::string& root() const { return root_; }
  std::string attribute(const std::string& relative) const {
    std::string text = readFile(root_ + "/" + relative);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(root_ + "/" + relative, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  std::string base_;
  std::string root_;
};

}  // namespace mamori::drivers::test
