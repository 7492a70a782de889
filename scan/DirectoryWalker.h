#pragma once
// Walks directory trees for the scanner: regular files only, symbolic links never followed (so the
// walk cannot leave the tree or loop), excluded paths pruned before they are opened. Memory is the
// stack of directories still to visit, never the list of files.

#include <functional>
#include <string>
#include <vector>

#include "scan/ScanTypes.h"

namespace mamori::scan {

class DirectoryWalker {
 public:
  explicit DirectoryWalker(std::vector<std::string> exclude) : exclude_(std::move(exclude)) {}

  // onFile gets each regular file's path; returning false stops the walk. Directories that cannot be
  // read go to onProblem. A root that is a file is passed to onFile as is.
  void walk(const std::vector<std::string>& roots, const std::function<bool(const std::string&)>& onFile,
            const std::function<void(const std::string& path, const std::string& reason)>& onProblem) const;

  bool excluded(const std::string& path) const;

 private:
  std::vector<std::string> exclude_;
};

}  // namespace mamori::scan
