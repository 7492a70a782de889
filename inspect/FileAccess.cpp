#include "inspect/FileAccess.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/UniqueFd.h"

namespace mamori::inspect {

namespace {
struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// The file behind fd, a regular one of at most maxBytes.
common::Result<std::string> readOpened(common::UniqueFd fd, const std::string& path, std::int64_t maxBytes) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return common::makeError("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return common::makeError("not a regular file", path);
  if (st.st_size > maxBytes) return common::makeError("larger than " + std::to_string(maxBytes) + " bytes", path);
  // What fstat promised, no more (a file that grows while read is taken as it was).
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  auto used = common::readAtMost(fd.get(), data.data(), data.size());
  if (!used) return common::makeError("cannot read", path, used.error().sysErrno);
  data.resize(used.value());
  return data;
}
}  // namespace

common::Result<std::string> readFileBounded(const std::string& path, std::int64_t maxBytes) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  return readOpened(std::move(fd), path, maxBytes);
}

common::Result<std::string> readProcessFileBounded(const std::string& procLink, std::int64_t maxBytes) {
  common::UniqueFd fd(::open(procLink.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", procLink, errno);
  return readOpened(std::move(fd), procLink, maxBytes);
}

common::Result<std::string> readFirstBytes(const std::string& path, std::size_t n) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return common::makeError("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return common::makeError("not a regular file", path);
  std::string data(n, '\0');
  auto used = common::readAtMost(fd.get(), data.data(), data.size());
  if (!used) return common::makeError("cannot read", path, used.error().sysErrno);
  data.resize(used.value());
  return data;
}

common::Result<ProgramBytes> readProgram(const std::string& path, std::int64_t headBytes, bool procLink,
                                         std::string buffer) {
  const int noFollow = procLink ? 0 : O_NOFOLLOW;
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | noFollow | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return common::makeError("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return common::makeError("not a regular file", path);
  ProgramBytes program;
  common::Sha256 hash;
  // The head is read where it stays (no copy; a caller's buffer keeps its pages from file to file),
  // the rest through a chunk for the hash alone. What fstat promised, no more (a file that grows
  // while read is taken as it was).
  program.head = std::move(buffer);
  program.head.resize(static_cast<std::size_t>(std::min<std::int64_t>(st.st_size, headBytes)));
  std::string chunk;
  while (program.size < st.st_size) {
    const bool inHead = program.size < static_cast<std::int64_t>(program.head.size());
    if (!inHead && chunk.empty()) chunk.resize(std::size_t{1} << 20);
    char* into = inHead ? program.head.data() + program.size : chunk.data();
    const std::int64_t room = inHead ? static_cast<std::int64_t>(program.head.size()) - program.size
                                     : static_cast<std::int64_t>(chunk.size());
    const auto want = static_cast<std::size_t>(std::min<std::int64_t>({st.st_size - program.size, room, 1 << 20}));
    auto used = common::readAtMost(fd.get(), into, want);
    if (!used) return common::makeError("cannot read", path, used.error().sysErrno);
    if (used.value() == 0) break;
    hash.update(std::string_view(into, used.value()));
    program.size += static_cast<std::int64_t>(used.value());
  }
  if (program.size < static_cast<std::int64_t>(program.head.size()))
    program.head.resize(static_cast<std::size_t>(program.size));  // shorter than fstat said
  program.sha256 = hash.hex();
  return program;
}

void walkEntries(const std::string& root, int depth, const std::function<bool(const DirEntry&)>& onEntry,
                 const std::function<void(const std::string&, const std::string&)>& onProblem,
                 const std::atomic<bool>* stop) {
  if (stop != nullptr && stop->load()) return;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(root.c_str()));
  if (!dir) {
    if (errno != ENOENT && errno != ENOTDIR) onProblem(root, common::makeError("cannot list", {}, errno).describe());
    return;
  }
  while (const dirent* e = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe): one DIR per thread
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry;
    entry.name = name;
    entry.path = root == "/" ? "/" + name : root + "/" + name;
    struct stat st {};
    if (::lstat(entry.path.c_str(), &st) != 0) continue;  // gone since listed
    entry.type = S_ISREG(st.st_mode)   ? EntryType::kFile
                 : S_ISDIR(st.st_mode) ? EntryType::kDirectory
                                       : EntryType::kOther;
    entry.executable = (st.st_mode & 0111U) != 0;
    entry.size = st.st_size;
    entry.device = st.st_dev;
    entry.inode = st.st_ino;
    const bool descend = onEntry(entry);
    if (entry.type == EntryType::kDirectory && depth > 0 && descend)
      walkEntries(entry.path, depth - 1, onEntry, onProblem, stop);
    if (stop != nullptr && stop->load()) return;
  }
}

bool pathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace mamori::inspect
