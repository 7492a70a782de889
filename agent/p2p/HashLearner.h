#pragma once
// Hash learning (issue 19): the executables of this machine that the signature sets name, by their
// file name or by the package that installed them (dpkg's file lists), are hashed, and the hashes
// become signature sets of their own ("learned:<path>"). A copy of an installed client is then
// refused by hash wherever it is copied and whatever it is called, before YARA has to read it.
//
// Roots are parameters: root "" is this machine; tests pass a temp tree holding var/lib/dpkg/info
// and the programs. Reading the lists is incremental (a list whose mtime did not change is not read
// again) and hashing goes through the shared FileHashCache, so calling learn() again after a
// package change costs little. Not thread-safe: the capability calls it on the main thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/include/FileHasher.h"
#include "policy/P2pGuardSettings.h"
#include "policy/P2pMatcher.h"

namespace mamori::agent::p2p {

struct LearnedProgram {
  std::string path;     // as installed, e.g. /usr/bin/aria2c
  std::string sha256;   // lower-case hex
  std::string package;  // the dpkg package that lists it; empty when found in a folder
  bool operator==(const LearnedProgram&) const = default;
};

// The programs one dpkg file list names that the sets know: files in a program folder (bin, sbin,
// games, libexec) whose name matches a set's process names, or every such file when the package's
// own name matches. Pure: the list's text in, paths out.
std::vector<std::string> programsInList(std::string_view package, std::string_view listText,
                                        const policy::P2pMatcher& names);

class HashLearner {
 public:
  HashLearner(std::string root, drivers::FileHasher& hashes) : root_(std::move(root)), hashes_(hashes) {}

  // Learns again with these sets; true when the learned programs changed.
  bool learn(const std::vector<policy::P2pSignatureSet>& sets);
  const std::vector<LearnedProgram>& learned() const { return learned_; }
  // One signature set per learned program, named "learned:<path>", holding its hash.
  std::vector<policy::P2pSignatureSet> learnedSets() const;
  // The folder whose changes mean packages changed (watch it).
  std::string packageListFolder() const { return root_ + "/var/lib/dpkg/info"; }

  static constexpr std::int64_t kMaxBytes = 512LL * 1024 * 1024;

 private:
  struct ListState {
    std::int64_t mtimeNs = 0;
    std::vector<std::string> programs;
  };
  std::string root_;
  drivers::FileHasher& hashes_;
  std::string setsKey_;                     // the names the cached list results were computed with
  std::map<std::string, ListState> lists_;  // list file name -> what it named
  std::vector<LearnedProgram> learned_;
};

}  // namespace mamori::agent::p2p
