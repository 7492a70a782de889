#include "scan/DirectoryWalker.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/stat.h>

#include "common/Glob.h"
#include "scan/ErrnoText.h"

namespace mamori::scan {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

std::string childPath(const std::string& dir, const char* name) {
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

DirectoryWalker::DirectoryWalker(std::vector<std::string> exclude) : exclude_(std::move(exclude)) {
  for (const auto& pattern : exclude_) {
    const bool starred = pattern.size() >= 3 && pattern.front() == '*' && pattern.back() == '*';
    const std::string_view literal = starred ? std::string_view(pattern).substr(1, pattern.size() - 2) : "";
    contains_.emplace_back(literal.find_first_of("*?") == std::string_view::npos ? literal : "");
  }
}

bool DirectoryWalker::excluded(const std::string& path) const {
  for (std::size_t i = 0; i < exclude_.size(); ++i) {
    if (!contains_[i].empty() ? path.find(contains_[i]) != std::string::npos : common::globMatch(exclude_[i], path))
      return true;
  }
  return false;
}

void DirectoryWalker::walk(const std::vector<std::string>& roots, const std::function<bool(const std::string&)>& onFile,
                           const std::function<void(const std::string&, const std::string&)>& onProblem) const {
  walkImpl(
      roots, false, [&](const std::string& path, const struct stat&, int) { return onFile(path); }, onProblem);
}

void DirectoryWalker::walk(const std::vector<std::string>& roots, const StatFileSink& onFile,
                           const std::function<void(const std::string&, const std::string&)>& onProblem) const {
  walkImpl(roots, true, onFile, onProblem);
}

void DirectoryWalker::walkImpl(const std::vector<std::string>& roots, bool statFiles, const StatFileSink& onFile,
                               const std::function<void(const std::string&, const std::string&)>& onProblem) const {
  std::vector<std::string> pending;
  for (const auto& root : roots) {
    // A root named on the command line is followed if it is a link; nothing below it is.
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
      onProblem(root, std::string("cannot open: ") + errnoText(errno));
      continue;
    }
    if (excluded(root)) continue;
    if (S_ISREG(st.st_mode)) {
      struct stat own {};
      int ownErrno = 0;
      if (statFiles && ::lstat(root.c_str(), &own) != 0) {
        if (errno == ENOENT) continue;
        ownErrno = errno;
        own = {};
      }
      if (!onFile(root, own, ownErrno)) return;
    } else if (S_ISDIR(st.st_mode)) {
      pending.push_back(root);
    }
  }
  while (!pending.empty()) {
    const std::string dir = std::move(pending.back());
    pending.pop_back();
    // O_NOFOLLOW: a directory swapped for a link after it was listed is not entered.
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      onProblem(dir, std::string("cannot open directory: ") + errnoText(errno));
      continue;
    }
    const std::unique_ptr<DIR, DirCloser> handle(::fdopendir(fd));
    if (!handle) {
      ::close(fd);
      onProblem(dir, std::string("cannot list directory: ") + errnoText(errno));
      continue;
    }
    std::vector<std::string> subdirs;
    // readdir is safe on a stream no other thread uses, which this one is.
    while (const dirent* entry = ::readdir(handle.get())) {  // NOLINT(concurrency-mt-unsafe)
      if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
      unsigned char type = entry->d_type;
      struct stat st {};
      bool statted = false;
      if (type == DT_UNKNOWN) {
        if (::fstatat(::dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        statted = true;
        type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
      }
      if (type != DT_REG && type != DT_DIR) continue;  // links, devices, sockets, FIFOs hold no file content
      std::string path = childPath(dir, entry->d_name);
      // "*/.cache/*" names what is inside; testing "dir/" too prunes the directory itself.
      if (excluded(path) || (type == DT_DIR && excluded(path + "/"))) continue;
      int statErrno = 0;
      if (statFiles && type == DT_REG && !statted) {
        // On the directory already open: the kernel looks up one name, not the whole path.
        if (::fstatat(::dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          if (errno == ENOENT) continue;  // gone since it was listed
          statErrno = errno;
          st = {};
        } else if (!S_ISREG(st.st_mode)) {
          continue;  // replaced since it was listed (a link is not followed)
        }
      }
      if (type == DT_DIR) {
        subdirs.push_back(std::move(path));
      } else if (!onFile(path, st, statErrno)) {
        return;
      }
    }
    // Reverse so directories are visited in listing order (the stack pops from the back).
    pending.insert(pending.end(), std::make_move_iterator(subdirs.rbegin()), std::make_move_iterator(subdirs.rend()));
  }
}

}  // namespace mamori::scan
