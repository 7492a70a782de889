#pragma once
// Everything a scan needs, taken from the policy's content_scan section (or the command line).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/include/Sandbox.h"
#include "policy/ContentScanSettings.h"
#include "scan/FingerprintBundle.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

struct ScanConfig {
  std::vector<policy::YaraRuleSet> ruleSets;
  policy::DetectorSettings creditCard{true, 3};
  policy::DetectorSettings myNumber{true, 3};
  std::vector<std::string> exclude;  // globs over full paths
  std::int64_t threads = 1;
  std::int64_t maxFileBytes = 100LL << 20;
  ExtractionLimits limits;
  int fileTimeoutSeconds = 60;  // YARA time budget per file, over all of its parts
  bool idlePriority = false;    // background scans: idle I/O class and SCHED_IDLE workers
  std::string stateDir;         // where the incremental cache lives; "" = no cache
  // Where untrusted bytes are parsed: a launcher of sandbox workers (mamori-extract; the programs'
  // mains make it), or null to extract in this process (unit tests, `scan --no-sandbox`).
  std::shared_ptr<drivers::SandboxLauncher> sandbox;
  int extractTimeoutSeconds = 30;  // a sandbox worker's time per file before it is replaced
  // Registered documents to recognise (docs/decisions/0032), each with its thresholds.
  std::vector<FingerprintScanSet> fingerprintSets;
  // Registered tables to recognise rows of (docs/decisions/0034), each with its min_rows.
  std::vector<EdmScanSet> edmSets;

  static ScanConfig fromPolicy(const policy::ContentScanSettings& settings);

  // SHA-256 over the rule sources and every setting that changes results: the cache is valid only
  // for the same fingerprint.
  std::string fingerprint() const;
};

}  // namespace mamori::scan
