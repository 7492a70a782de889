#pragma once
// Console passwords are stored as scrypt hashes (docs/decisions/0012-console-auth.md): memory-hard,
// so a stolen database costs an attacker 32 MiB and ~0.1 s of one core per guess. The encoded form
// carries its own parameters, so they can be raised later without breaking stored hashes:
//   scrypt$<log2 N>$<r>$<p>$<salt hex>$<key hex>

#include <string>

#include "common/Result.h"

namespace mamori::collector::console {

struct ScryptParams {
  unsigned log2N = 15;  // N = 32768
  unsigned r = 8;       // 128 * r * N bytes = 32 MiB per hash
  unsigned p = 1;
};

// A fresh 16-byte salt each time.
common::Result<std::string> hashPassword(const std::string& password, const ScryptParams& params = {});

// True when password matches encoded. A malformed encoding, or parameters outside the bounds this
// code ever writes (a tampered row must not make us allocate gigabytes), never match.
bool verifyPassword(const std::string& password, const std::string& encoded);

// Why password is not acceptable as a new console password, or "" when it is.
std::string passwordProblem(const std::string& password);

}  // namespace mamori::collector::console
