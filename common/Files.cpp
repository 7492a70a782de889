#include "common/Files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/UniqueFd.h"

namespace mamori::common {

namespace {
constexpr std::size_t kHugePageBufferBytes = std::size_t{8} << 20U;

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
    if (auto written = writeAll(fd.get(), data, temp); !written) return written;
    if (::fsync(fd.get()) != 0) return makeError("cannot flush to disk", temp, errno);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) return makeError("cannot replace", path, errno);
  const UniqueFd dirFd(::open(parentOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.valid()) ::fsync(dirFd.get());  // makes the rename itself durable; best effort
  return Ok{};
}

Status writeAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError("cannot write", path, n < 0 ? errno : EIO);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok{};
}

Result<std::size_t> readAtMost(int fd, char* buffer, std::size_t length) {
  std::size_t used = 0;
  while (used < length) {
    const ssize_t n = ::read(fd, buffer + used, length - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError("cannot read", {}, errno);
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  return used;
}

Result<std::string> readAll(int fd, std::size_t maxBytes, std::size_t sizeHint) {
  // One byte more than allowed is asked for, so a file just over the limit is told apart from one
  // exactly at it.
  std::string data;
  const std::size_t initial = std::min(sizeHint, maxBytes) + 1;
  if (initial >= kHugePageBufferBytes) {
    // A large buffer (a content set of tens of MiB) asks for transparent huge pages before its first
    // touch: on a virtual machine every 4 KiB page fault is expensive (reading a 63 MiB set took about
    // 500 ms of 4 KiB faults, 30 ms with 2 MiB pages). Only a hint: where huge pages are off, nothing
    // changes.
    data.reserve(initial);
    const auto begin = reinterpret_cast<std::uintptr_t>(data.data());
    const std::uintptr_t page = begin & ~std::uintptr_t{4095};
    ::madvise(reinterpret_cast<void*>(page), initial + (begin - page), MADV_HUGEPAGE);
  }
  data.resize(initial, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (used > maxBytes) {
        return makeError(ErrorKind::kTooLarge, "larger than " + std::to_string(maxBytes) + " bytes");
      }
      data.resize(std::min(std::max<std::size_t>(data.size() * 2, 8192), maxBytes + 1));
    }
    auto n = readAtMost(fd, data.data() + used, data.size() - used);
    if (!n) return n.error();
    used += n.value();
    if (used < data.size()) break;  // the end of the file came first
  }
  data.resize(used);
  return data;
}

Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return makeError("cannot open", path, errno);
  // Sized from the start, so a large file is read into one buffer without regrowing it.
  struct stat info {};
  const std::size_t hint =
      ::fstat(fd.get(), &info) == 0 && info.st_size > 0 ? static_cast<std::size_t>(info.st_size) : 0;
  auto text = readAll(fd.get(), maxBytes, hint);
  if (!text) {
    Error error = text.error();
    if (error.kind == ErrorKind::kTooLarge) error.message = "file is larger than expected";
    error.where = path;
    return error;
  }
  return text;
}

bool isFileNamePartChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string fileNamePart(std::string_view text, std::size_t maxBytes) {
  std::string part;
  for (const char c : text.substr(0, maxBytes)) part += isFileNamePartChar(c) ? c : '_';
  if (part != text) part += "-" + sha256Hex(text).substr(0, 8);
  return part;
}

}  // namespace mamori::common
