#pragma once
// SHA-256 of executables and libraries, computed once per file version. The key is what identifies a
// file's content without reading it: device, inode, size and mtime (a rename keeps the hash, an
// in-place rewrite changes size or mtime). Thread-safe: the exec guard's thread and the agent's main
// thread share one cache.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common/Result.h"
#include "drivers/include/FileHasher.h"
#include "drivers/include/Process.h"

namespace mamori::drivers::linux_os {

class FileHashCache final : public FileHasher {
 public:
  explicit FileHashCache(std::size_t maxEntries = 4096) : maxEntries_(maxEntries) {}

  // Opens path and hashes what was opened (its identity comes from fstat of the same descriptor, so
  // a file swapped in between cannot be cached under the other's key).
  common::Result<std::string> sha256(const std::string& path) override;
  // The same for an open descriptor (fanotify hands one over); the offset is not changed.
  common::Result<std::string> sha256(int fd, const std::string& nameForErrors) override;
  common::Result<FileIdentity> identity(int fd, const std::string& nameForErrors) override;

  std::size_t hits() const;
  std::size_t misses() const;

 private:
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::int64_t, std::int64_t>;
  std::size_t maxEntries_;
  mutable std::mutex mutex_;
  std::map<Key, std::string> hashes_;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

// Identity of an open file (fstat).
common::Result<FileIdentity> identityOf(int fd, const std::string& nameForErrors);

}  // namespace mamori::drivers::linux_os
