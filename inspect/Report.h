#pragma once
// One inspection's report, before it becomes JSON (ReportJson) and HTML (ReportHtml).

#include <cstdint>
#include <string>
#include <vector>

#include "inspect/Findings.h"

namespace mamori::inspect {

struct RunFacts {
  std::string toolVersion;
  std::string host;
  std::string os;  // uname: sysname release machine
  std::string user;
  std::int64_t uid = 0;
  bool root = false;
  std::string startedUtc;
  std::string finishedUtc;
  std::int64_t elapsedMs = 0;
  std::vector<std::string> homes;
  std::vector<std::string> programFolders;
  std::string policySource;  // "built-in", or the file
  std::int64_t policyVersion = 0;
  std::vector<std::string> sets;  // the fingerprint and EDM sets scanned for: "edm customers v3"
  std::string processSource;      // the /proc root read, or "" when processes were not looked at
  bool dryRun = true;
  bool interrupted = false;
  std::int64_t filesScanned = 0;
  std::int64_t bytesRead = 0;
};

struct Report {
  RunFacts run;
  std::vector<Finding> findings;  // sorted with findingBefore
  std::vector<NotInspected> notInspected;
  std::vector<std::string> notes;  // caveats: deletions not guaranteed, ...
};

}  // namespace mamori::inspect
