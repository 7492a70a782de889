#pragma once
// The administrator's stop/uninstall token. Only its SHA-256 is on the PC
// (/etc/mamori/uninstall.token.sha256, written at rollout; `sha256sum` output is accepted), so
// reading the PC's files does not reveal the token. Pure.

#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::agent::guard {

// The hex digest from a hash file's text ("<64 hex> [name]"), lower-cased; error if malformed.
common::Result<std::string> parseTokenHash(std::string_view hashFileText, const std::string& path);

// True when sha256(token without surrounding whitespace) equals expectedHexDigest (constant time).
bool tokenMatches(std::string_view token, const std::string& expectedHexDigest);

}  // namespace mamori::agent::guard
