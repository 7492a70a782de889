#pragma once
// Walks directory trees for the scanner: regular files only, symbolic links never followed (so the
// walk cannot leave the tree or loop), excluded paths pruned before they are opened. Memory is the
// stack of directories still to visit, never the list of files.

#include <functional>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "scan/ScanTypes.h"

namespace mamori::scan {

class DirectoryWalker {
 public:
  explicit DirectoryWalker(std::vector<std::string> exclude);

  // onFile gets each regular file's path; returning false stops the walk. Directories that cannot be
  // read go to onProblem. A root that is a file is passed to onFile as is.
  void walk(const std::vector<std::string>& roots, const std::function<bool(const std::string&)>& onFile,
            const std::function<void(const std::string& path, const std::string& reason)>& onProblem) const;

  // The same walk, each regular file with its lstat taken where it was listed (fstatat on the open
  // directory: no walk of the whole path per file, docs/decisions/0061). statErrno is 0, or why the
  // file could not be stat'ed (st is then empty); a file removed since it was listed is left out. A
  // root that is a file comes with its lstat (a link there is the link).
  using StatFileSink = std::function<bool(const std::string& path, const struct stat& st, int statErrno)>;
  void walk(const std::vector<std::string>& roots, const StatFileSink& onFile,
            const std::function<void(const std::string& path, const std::string& reason)>& onProblem) const;

  bool excluded(const std::string& path) const;

 private:
  void walkImpl(const std::vector<std::string>& roots, bool statFiles, const StatFileSink& onFile,
                const std::function<void(const std::string& path, const std::string& reason)>& onProblem) const;

  std::vector<std::string> exclude_;
  // Per pattern: the literal between its two stars when it is "*literal*" (the default excludes are),
  // which matches exactly the paths holding the literal: a substring search, not a glob per path.
  std::vector<std::string> contains_;
};

}  // namespace mamori::scan
