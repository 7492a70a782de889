#pragma once
// The collector's secrets outside the database (enroll secret, admin token). Secret files are
// written 0600 and atomically (common/Files.h), so a crash never leaves half a secret behind.

#include <string>

#include "common/Result.h"

namespace mamori::collector::state {

// A secret kept in a file: the first line, surrounding whitespace removed; an error if empty.
common::Result<std::string> readSecret(const std::string& path);

// readSecret(path), or, when path does not exist, a new random secret (64 hex) written there 0600.
// created is set when a new secret was made.
common::Result<std::string> loadOrCreateSecret(const std::string& path, bool& created);

}  // namespace mamori::collector::state
