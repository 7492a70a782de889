#include "drivers/linux/FileHashCache.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <memory>
#include <sys/stat.h>

#include "common/UniqueFd.h"

namespace mamori::drivers::linux_os {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

common::Result<std::string> hashFd(int fd, const std::string& name) {
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return common::makeError("cannot start SHA-256", name);
  }
  std::array<unsigned char, 64 * 1024> buffer{};
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot read", name, errno);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2U * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4U]);
    hex.push_back(kHex[digest[i] & 0xFU]);
  }
  return hex;
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

std::size_t FileHashCache::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t FileHashCache::misses() const {
  const std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace mamori::drivers::linux_os
