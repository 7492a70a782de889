#pragma once
// Binary, unit and configuration changes: the SHA-256 of each watched file is kept in
// <state>/integrity; at start the current digests are compared with the stored ones and the
// differences reported (agent.modified). A package upgrade shows up the same way, which is
// intended: the collector sees when every PC's agent binary changed.

#include <functional>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::agent::guard {

struct WatchedFile {
  std::string name;  // "binary", "unit", "config", "token_hash"
  std::string path;
};

struct FileChange {
  std::string name;
  std::string path;
  std::string before;  // "" = was absent
  std::string after;   // "" = now absent
};

// The SHA-256 of a file as lower-case hex (the composition root passes drivers' FileHashCache); a
// file that does not exist is an error of kind ErrorKind::kNotFound.
using FileHasher = std::function<common::Result<std::string>(const std::string& path)>;

// Compares the watched files with the digests stored in stateFile, stores the current ones, and
// returns what changed (a file the hasher does not find is absent). The first check (no stateFile)
// only records; so does a file watched for the first time.
common::Result<std::vector<FileChange>> checkIntegrity(const std::string& stateFile,
                                                       const std::vector<WatchedFile>& files, const FileHasher& hash);

}  // namespace mamori::agent::guard
