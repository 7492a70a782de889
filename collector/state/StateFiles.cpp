#include "collector/state/StateFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <sys/stat.h>

#include "common/Crypto.h"

namespace mamori::collector::state {

namespace {

struct FdCloser {
  void operator()(const int* fd) const {
    if (fd != nullptr && *fd >= 0) ::close(*fd);
    delete fd;
  }
};
using UniqueFd = std::unique_ptr<int, FdCloser>;

}  // namespace

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

common::Status ensureDirectory(const std::string& dir) {
  if (dir.empty()) return common::makeError("empty directory name");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return common::makeError("exists but is not a directory", dir);
    return common::Ok{};
  }
  const auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto parent = ensureDirectory(dir.substr(0, slash)); !parent) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return common::makeError("cannot create directory", dir, errno);
  }
  return common::Ok{};
}

common::Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(new int(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)));
  if (*fd < 0) return common::makeError("cannot create file", tmp, errno);
  if (::fchmod(*fd, mode) != 0) return common::makeError("cannot set file mode", tmp, errno);
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(*fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot write file", tmp, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(*fd) != 0) return common::makeError("cannot flush file", tmp, errno);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return common::makeError("cannot rename into place", path, errno);
  return common::Ok{};
}

common::Result<std::string> readFile(const std::string& path, std::size_t maxBytes) {
  UniqueFd fd(new int(::open(path.c_str(), O_RDONLY | O_CLOEXEC)));
  if (*fd < 0) return common::makeError("cannot open file", path, errno);
  std::string data;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(*fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot read file", path, errno);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    if (data.size() > maxBytes) return common::makeError("file is larger than expected", path);
  }
  return data;
}

common::Result<std::string> readSecret(const std::string& path) {
  auto data = readFile(path, 64 * 1024);
  if (!data) return data.error();
  std::string secret = data.value().substr(0, data.value().find('\n'));
  const auto first = secret.find_first_not_of(" \t\r");
  const auto last = secret.find_last_not_of(" \t\r");
  secret = first == std::string::npos ? std::string() : secret.substr(first, last - first + 1);
  if (secret.empty()) return common::makeError("the secret file is empty", path);
  return secret;
}

common::Result<std::string> loadOrCreateSecret(const std::string& path, bool& created) {
  created = false;
  if (fileExists(path)) return readSecret(path);
  std::string secret = common::randomHex(32);
  if (auto written = writeFileAtomic(path, secret + "\n", 0600); !written) return written.error();
  created = true;
  return secret;
}

}  // namespace mamori::collector::state
