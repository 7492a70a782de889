#include "drivers/linux/FileHashCache.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <memory>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/UniqueFd.h"

namespace mamori::drivers::linux_os {

namespace {

common::Result<std::string> hashFd(int fd, const std::string& name) {
  common::Sha256 hash;
  std::array<char, std::size_t{64} * 1024> buffer{};
  off_t offset = 0;
  for (;;) {
    // pread: the descriptor may be shared (an exec request's), its offset is not ours to move.
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot read", name, errno);
    }
    if (n == 0) break;
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    offset += n;
  }
  return hash.hex();
}

}  // namespace

common::Result<FileIdentity> identityOf(int fd, const std::string& nameForErrors) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return common::makeError("cannot stat", nameForErrors, errno);
  return FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                      static_cast<std::int64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

common::Result<std::string> FileHashCache::sha256(const std::string& path) {
  const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  return sha256(fd.get(), path);
}

common::Result<std::string> FileHashCache::sha256(int fd, const std::string& nameForErrors) {
  auto identity = identityOf(fd, nameForErrors);
  if (!identity) return identity.error();
  const auto& id = identity.value();
  const Key key{id.device, id.inode, id.size, id.mtimeNs};
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = hashes_.find(key); it != hashes_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
  }
  auto hash = hashFd(fd, nameForErrors);
  if (!hash) return hash;
  const std::lock_guard lock(mutex_);
  if (hashes_.size() >= maxEntries_) hashes_.clear();  // simple bound: a full cache starts over
  hashes_.emplace(key, hash.value());
  return hash;
}

common::Result<FileIdentity> FileHashCache::identity(int fd, const std::string& nameForErrors) {
  return identityOf(fd, nameForErrors);
}

std::size_t FileHashCache::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t FileHashCache::misses() const {
  const std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace mamori::drivers::linux_os
