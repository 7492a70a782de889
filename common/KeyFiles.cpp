#include "common/KeyFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>

#include "common/Files.h"
#include "common/UniqueFd.h"

namespace mamori::common {

namespace {

constexpr std::size_t kMaxKeyFileBytes = std::size_t{16} * 1024;

common::Status writeKeyFile(const std::string& text, const std::string& path, int flags, mode_t mode) {
  const common::UniqueFd fd(::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, mode));
  if (!fd.valid()) return common::makeError("cannot create the key file", path, errno);
  // The umask may have widened nothing but could narrow; set the mode we mean explicitly.
  if (::fchmod(fd.get(), mode) != 0) return common::makeError("cannot set the key file's mode", path, errno);
  if (auto written = common::writeAll(fd.get(), text, path); !written) {
    return common::makeError("cannot write the key file", path, written.error().sysErrno);
  }
  if (::fsync(fd.get()) != 0) return common::makeError("cannot sync the key file", path, errno);
  return common::Ok{};
}

common::Result<std::string> readKeyFile(const std::string& path, bool secret) {
  const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open the key file", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return common::makeError("cannot stat the key file", path, errno);
  if (secret && (st.st_mode & 077U) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777U));
    return common::makeError(
        std::string("the private key file is accessible by others (mode ") + mode + "); run chmod 600 on it", path);
  }
  auto text = common::readAll(fd.get(), kMaxKeyFileBytes);
  if (!text && text.error().kind == common::ErrorKind::kTooLarge) {
    return common::makeError("the key file is larger than 16 KiB", path);
  }
  if (!text) return common::makeError("cannot read the key file", path, text.error().sysErrno);
  return text;
}

template <typename Key>
common::Result<Key> withPath(common::Result<Key> key, const std::string& path) {
  if (key) return key;
  auto error = key.error();
  error.where = path;
  return error;
}

}  // namespace

common::Status savePrivateKey(const SigningKey& key, const std::string& path) {
  return writeKeyFile(key.privatePem(), path, O_CREAT | O_EXCL, 0600);
}

common::Result<SigningKey> loadPrivateKey(const std::string& path) {
  auto text = readKeyFile(path, true);
  if (!text) return text.error();
  return withPath(SigningKey::fromPem(text.value()), path);
}

common::Status savePublicKey(const PublicKey& key, const std::string& path) {
  return writeKeyFile(key.pem(), path, O_CREAT | O_TRUNC, 0644);
}

common::Result<PublicKey> loadPublicKey(const std::string& path) {
  auto text = readKeyFile(path, false);
  if (!text) return text.error();
  return withPath(PublicKey::fromPem(text.value()), path);
}

}  // namespace mamori::common
