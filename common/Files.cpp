#include "common/Files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>

#include "common/UniqueFd.h"

namespace mamori::common {

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

Status makeDirectories(const std::string& dir) {
  if (dir.empty()) return makeError("a directory name must not be empty");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return makeError("exists but is not a directory", dir);
    return Ok{};
  }
  const std::string parent = parentOf(dir);
  if (parent != dir && !fileExists(parent)) {
    if (auto made = makeDirectories(parent); !made) return made;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return makeError("cannot create directory", dir, errno);
  return Ok{};
}

Status writeFileAtomically(const std::string& path, std::string_view data, mode_t mode) {
  const std::string temp = path + ".tmp";
  {
    const UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd.valid()) return makeError("cannot create", temp, errno);
    // open() applies the umask; secrets must end up exactly 0600, certificates exactly 0644.
    if (::fchmod(fd.get(), mode) != 0) return makeError("cannot set permissions", temp, errno);
    while (!data.empty()) {
      const ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return makeError("cannot write", temp, errno);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0) return makeError("cannot flush to disk", temp, errno);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) return makeError("cannot replace", path, errno);
  const UniqueFd dirFd(::open(parentOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.valid()) ::fsync(dirFd.get());  // makes the rename itself durable; best effort
  return Ok{};
}

Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return makeError("cannot open", path, errno);
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError("cannot read", path, errno);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > maxBytes) return makeError(ErrorKind::kTooLarge, "file is larger than expected", path);
  }
  return text;
}

}  // namespace mamori::common
