#pragma once
// File digests in tests, where the agent has drivers/linux FileHashCache: the SHA-256 of what the test
// wrote at a path, held in memory, so a test can change a file the agent watches (its own binary, its
// unit) between two runs. A path never written, or removed, is not found (ErrorKind::kNotFound), as a
// missing file is. Thread-safe, like the cache.

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "common/Crypto.h"
#include "common/Result.h"
#include "drivers/include/FileHasher.h"

namespace mamori::drivers::fake {

class FakeFileHasher final : public FileHasher {
 public:
  void write(const std::string& path, std::string content) {
    const std::lock_guard lock(mutex_);
    files_[path] = std::move(content);
  }
  void remove(const std::string& path) {
    const std::lock_guard lock(mutex_);
    files_.erase(path);
  }

  common::Result<std::string> sha256(const std::string& path) override {
    const std::lock_guard lock(mutex_);
    const auto it = files_.find(path);
    if (it == files_.end()) return common::makeError(common::ErrorKind::kNotFound, "cannot open", path);
    return common::sha256Hex(it->second);
  }
  // A descriptor has no path the test wrote: not found.
  common::Result<std::string> sha256(int /*fd*/, const std::string& nameForErrors) override {
    return common::makeError(common::ErrorKind::kNotFound, "no descriptors in the fake", nameForErrors);
  }
  common::Result<FileIdentity> identity(int /*fd*/, const std::string& nameForErrors) override {
    return common::makeError(common::ErrorKind::kNotFound, "no descriptors in the fake", nameForErrors);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> files_;
};

}  // namespace mamori::drivers::fake
