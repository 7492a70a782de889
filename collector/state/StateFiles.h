#pragma once
// The collector's few files outside the database: its state directory, secrets and TLS files.
// Secret files are written 0600 and atomically (temp file + rename), so a crash never leaves half
// a key behind.

#include <string>
#include <sys/types.h>

#include "common/Result.h"

namespace mamori::collector::state {

// Creates dir (and parents) with mode 0700 if it does not exist; an existing dir is left as is.
common::Status ensureDirectory(const std::string& dir);

// Writes data to path via path.tmp + fsync + rename, with the given mode.
common::Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode);

common::Result<std::string> readFile(const std::string& path, std::size_t maxBytes = 1024 * 1024);

// A secret kept in a file: the first line, surrounding whitespace removed; an error if empty.
common::Result<std::string> readSecret(const std::string& path);

// readSecret(path), or, when path does not exist, a new random secret (64 hex) written there 0600.
// created is set when a new secret was made.
common::Result<std::string> loadOrCreateSecret(const std::string& path, bool& created);

bool fileExists(const std::string& path);

}  // namespace mamori::collector::state
