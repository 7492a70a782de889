#include "agent/report/FileUtil.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>

#include "common/UniqueFd.h"

namespace mamori::agent {

namespace {
std::string parentOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

common::Status makeStateDir(const std::string& dir) {
  if (dir.empty()) return common::makeError("the state directory must not be empty", dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return common::makeError("exists but is not a directory", dir);
    return common::Ok{};
  }
  const std::string parent = parentOf(dir);
  if (parent != dir && !fileExists(parent)) {
    if (auto made = makeStateDir(parent); !made) return made;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return common::makeError("cannot create the state directory", dir, errno);
  }
  return common::Ok{};
}

common::Status writeFileAtomically(const std::string& path, const std::string& text, unsigned mode) {
  const std::string temp = path + ".tmp";
  common::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return common::makeError("cannot create", temp, errno);
  // open() applies the umask; make sure the mode is exactly what was asked (0600 for secrets).
  if (::fchmod(fd.get(), mode) != 0) return common::makeError("cannot set permissions", temp, errno);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot write", temp, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return common::makeError("cannot flush to disk", temp, errno);
  fd.reset();
  if (std::rename(temp.c_str(), path.c_str()) != 0) return common::makeError("cannot replace", path, errno);
  common::UniqueFd dirFd(::open(parentOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.valid()) ::fsync(dirFd.get());  // the rename itself durable; best effort
  return common::Ok{};
}

common::Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::makeError("cannot read", path, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > maxBytes) return common::makeError("file is larger than expected", path);
  }
  return text;
}

}  // namespace mamori::agent
