#pragma once
// The SHA-256 of a file's content, as lower-case hex. Linux: drivers/linux FileHashCache (cached per
// file version: device, inode, size, mtime); tests: drivers/fake FakeFileHasher. Thread-safe: the exec
// guard's thread and the agent's main thread share one.

#include <string>

#include "common/Result.h"
#include "drivers/include/Process.h"

namespace mamori::drivers {

class FileHasher {
 public:
  virtual ~FileHasher() = default;
  // Opens path and hashes what was opened.
  virtual common::Result<std::string> sha256(const std::string& path) = 0;
  // The same for an open descriptor (fanotify hands one over); the offset is not changed.
  virtual common::Result<std::string> sha256(int fd, const std::string& nameForErrors) = 0;
  // Which file an open descriptor is (device, inode, size, mtime): what the hashes are cached by.
  virtual common::Result<FileIdentity> identity(int fd, const std::string& nameForErrors) = 0;
};

}  // namespace mamori::drivers
