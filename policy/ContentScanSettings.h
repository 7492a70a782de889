#pragma once
// The content_scan section: how company files and personal data are recognised on disk.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/Mode.h"
#include "policy/YaraRules.h"

namespace mamori::policy {

struct YaraRuleSet {
  std::string name;
  std::string source;
  std::shared_ptr<const YaraRules> rules;  // compiled by the parser; never null in a parsed policy
};

// A built-in detector reports a file when it finds at least minCount valid numbers (check digits
// verified), so one stray number in a log does not raise an incident.
struct DetectorSettings {
  bool enabled = true;
  std::int64_t minCount = 1;
};

struct ScanSchedule {
  std::int64_t intervalHours = 24;  // full scan of `paths` this often
  std::int64_t startMinute = -1;    // minutes after local midnight to start; -1 = any time
  bool onChange = true;             // also scan files when they are written
};

// Against zip bombs: extraction stops at the first limit reached and the file is listed as not
// inspected (never silently skipped).
struct ArchiveLimits {
  std::int64_t maxDepth = 3;
  std::int64_t maxMembers = 10'000;
  std::int64_t maxTotalBytes = 1LL << 30;
  std::int64_t maxRatio = 100;  // inflated size / compressed size
};

// A registered set the scans recognise (docs/policy.md "content_scan.fingerprints", "content_scan.edm";
// docs/decisions/0032, 0034): the agent fetches it from the collector by name as a signed artifact.
struct FingerprintSetRef {
  std::string set;
  double minContainment = 0.5;  // share of a document's fingerprints found in a file, 0..1
  std::int64_t minChars = 300;  // or a shared run of this many normalised characters
};

struct EdmSetRef {
  std::string set;
  std::int64_t minRows = 1;  // rows of the table found in a file
};

struct ContentScanSettings {
  Mode mode = Mode::kEnforce;  // scanning only reports: enforce and audit differ only in the event flag
  std::vector<YaraRuleSet> ruleSets;
  DetectorSettings creditCard{true, 3};
  DetectorSettings myNumber{true, 3};
  std::vector<std::string> paths = {"/home"};
  std::vector<std::string> exclude;  // glob patterns over full paths
  ScanSchedule schedule;
  std::int64_t threads = 1;
  std::int64_t maxFileBytes = 100LL << 20;
  ArchiveLimits archive;
  std::vector<FingerprintSetRef> fingerprints;
  std::vector<EdmSetRef> edm;
};

}  // namespace mamori::policy
