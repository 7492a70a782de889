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

// Writes all of data to fd, continuing after short writes and EINTR; the error names path.
Status writeAll(int fd, std::string_view data, const std::string& path);

// Reads fd until length bytes or the end of the file; the number read.
Result<std::size_t> readAtMost(int fd, char* buffer, std::size_t length);

// Everything fd has until the end of the file, at most maxBytes (ErrorKind::kTooLarge beyond, without
// reading further); sizeHint is the expected size (reserved up front). Errors name no path: the caller
// knows it.
Result<std::string> readAll(int fd, std::size_t maxBytes, std::size_t sizeHint = 0);

// The whole file; an error if it is larger than maxBytes (never reads unbounded data).
Result<std::string> readSmallFile(const std::string& path, std::size_t maxBytes = std::size_t{1} << 20U);

// Outside text (a host or group name) as a part of a file name the program makes: ASCII letters,
// digits, '-' and '_' are kept (isFileNamePartChar), every other byte becomes '_' ('/', '.', a control
// character, each byte of a non-ASCII character), cut at maxBytes; a text that had to change gets '-'
// and 8 hex digits of its SHA-256, so two names never share a file. The result never holds '/', ".."
// or a control character: a host named "../../etc/x" cannot move a file out of its folder.
std::string fileNamePart(std::string_view text, std::size_t maxBytes);
bool isFileNamePartChar(char c);

}  // namespace mamori::common
