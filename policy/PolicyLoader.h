#pragma once
// Reads a policy file and hands its bytes to parsePolicy. The only file access in the policy
// library apart from key files (KeyFiles.h).

#include <string>

#include "common/Result.h"
#include "policy/PolicyParser.h"

namespace mamori::policy {

// The file's bytes, at most maxBytes (a policy is never near the default 4 MiB).
common::Result<std::string> readPolicyFile(const std::string& path, std::size_t maxBytes = 4U << 20U);

// readPolicyFile + parsePolicy; a read failure is reported as the single error.
PolicyParseResult loadPolicyFile(const std::string& path);

}  // namespace mamori::policy
