#pragma once
// `mamori-agent scan` and `mamori-scan`: the content scanner on demand, from the command line. One
// implementation behind both fronts: mamori-scan is the same command in a binary that links only what
// scanning needs (docs/decisions/0039). Parsing is pure so it is tested without scanning anything.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::agent {

// Exit codes of the scan command, documented in its --help.
constexpr int kScanExitClean = 0;    // nothing matched (not-inspected parts may be listed)
constexpr int kScanExitMatches = 1;  // at least one rule or detector matched
constexpr int kScanExitError = 2;    // bad usage, unusable rules or policy

struct ScanOptions {
  bool help = false;
  bool json = false;
  bool idle = false;
  std::string rulesFile;
  std::string policyFile;
  std::string stateDir;
  std::optional<std::int64_t> threads;
  std::optional<std::int64_t> cpuLimit;        // --cpu-limit: pace like the agent; unset = full speed
  bool noSandbox = false;                      // --no-sandbox: extract in this process
  std::optional<std::int64_t> extractTimeout;  // --extract-timeout: seconds per file in the sandbox
  std::vector<std::string> fingerprintFiles;   // --fingerprints: signed sets (mamorictl fingerprints export)
  std::string collectorKeyFile;                // --collector-key: the public key that signed them
  std::int64_t minContainmentPercent = 50;     // --min-containment
  std::int64_t minChars = 300;                 // --min-chars
  std::vector<std::string> edmFiles;           // --edm: signed exact-data-match sets (mamorictl edm export)
  std::int64_t minRows = 1;                    // --min-rows
  std::vector<std::string> paths;
};

// args excludes the program ("mamori-agent scan" or "mamori-scan").
common::Result<ScanOptions> parseScanOptions(const std::vector<std::string>& args);

// program: how the user called the command ("mamori-agent scan" or "mamori-scan"), for the usage line
// and the messages.
std::string scanUsage(const std::string& program);

// Runs the command; args are the words after the program. Returns the exit code.
int runScanCommand(const std::string& program, const std::vector<std::string>& args);

}  // namespace mamori::agent
