#pragma once
// One inspection pass: installed P2P programs, P2P clients' folders and the folders they share,
// running P2P programs, then the content scan of the homes and share folders. Findings sorted by
// severity; nothing is changed on disk here (decisions come after, ConsentFlow).

#include <atomic>
#include <string>
#include <vector>

#include "inspect/BundledSets.h"
#include "inspect/Progress.h"
#include "inspect/Report.h"
#include "policy/Policy.h"

namespace mamori::inspect {

struct InspectionScope {
  std::vector<std::string> homes;
  bool systemPrograms = true;        // /usr/bin, /usr/local/bin, /opt ...
  std::string procRoot;              // "" = running processes are not looked at
  std::vector<std::string> exclude;  // extra globs the content scan skips (the tool's own folder, the output)
  std::int64_t threads = 0;          // 0: the policy's content_scan.threads
  BundledSets sets;                  // the fingerprint and EDM sets the policy names, verified (BundledSets.h)
};

// A company file is "in a share" when its path is below one of the folders (pure; tests call it).
const std::string* shareContaining(const std::string& path, const std::vector<std::string>& shareFolders);

// Fills report.findings, notInspected, notes and the run counters. stop ends it early (the report
// then says interrupted).
void runInspection(const InspectionScope& scope, const policy::Policy& policy, Progress& progress,
                   const std::atomic<bool>& stop, Report& report);

}  // namespace mamori::inspect
