#pragma once
// Small file helpers for the agent's state directory. Errors are values with path and errno.

#include <string>

#include "common/Result.h"

namespace mamori::agent {

// Creates dir (and missing parents) with mode 0700; an existing dir is kept as it is.
common::Status makeStateDir(const std::string& dir);

// Writes text to path so that a crash leaves either the old or the new content: a temporary file in
// the same folder (mode given), fsync, rename over path, fsync of the folder.
common::Status writeFileAtomically(const std::string& path, const std::string& text, unsigned mode);

// The whole file (at most maxBytes).
common::Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes = 1 << 20);

bool fileExists(const std::string& path);

}  // namespace mamori::agent
