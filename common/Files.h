#pragma once
// Small file helpers for state directories (agent, collector, scanner). Errors are values with the
// path and errno.

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/Result.h"

namespace mamori::common {

bool fileExists(const std::string& path);

// Creates dir and missing parents with mode 0700; an existing directory is left as it is.
Status makeDirectories(const std::string& dir);

// Replaces path so that a crash leaves either the old or the new content: a temporary file beside it
// with exactly `mode` (the umask does not apply), fsync, rename over path, fsync of the folder.
Status writeFileAtomically(const std::string& path, std::string_view data, mode_t mode);

// The whole file; an error if it is larger than maxBytes (never reads unbounded data).
Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes = std::size_t{1} << 20U);

}  // namespace mamori::common
