#pragma once
// What an inspection found. One model for the report, the consent flow and the exit code.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::inspect {

enum class Severity { kCritical, kHigh, kMedium, kLow };

enum class FindingKind {
  kCompanyFileInShare,  // a company file inside a folder a P2P client shares or downloads into
  kCompanyFile,         // a company file anywhere else
  kP2pRunning,          // a P2P program running now
  kP2pInstalled,        // a P2P executable or AppImage on disk
  kP2pClientState,      // a P2P client's configuration or state folder
  kP2pShareFolder,      // a folder a P2P client shares or downloads into
};

enum class Decision { kNone, kKeep, kDelete, kQuarantine };

std::string_view severityName(Severity severity);  // "critical", "high", "medium", "low"
std::string_view kindName(FindingKind kind);       // "company_file_in_p2p_share", ...
std::string_view decisionName(Decision decision);  // "none", "keep", "delete", "quarantine"

// The rule: a company file where a P2P client can hand it out is the worst case; a company file
// elsewhere or a P2P program that runs now comes next; installed software and its folders are
// what makes the worst case possible.
Severity severityOf(FindingKind kind);

struct Finding {
  std::string id;  // stable across runs: kind + path (so a plan written from a dry run still applies)
  FindingKind kind = FindingKind::kCompanyFile;
  Severity severity = Severity::kHigh;
  std::string path;                  // the file or folder; for a process, its executable
  std::vector<std::string> reasons;  // why it matched, one line each
  std::string sha256;                // files only, when known
  std::int64_t size = -1;
  std::int64_t pid = 0;  // kP2pRunning only
  // Whether delete/quarantine apply: files yes, folders (a client's state) delete only, processes no.
  bool canDelete = false;
  bool canQuarantine = false;
  // What happened with the owner's consent.
  Decision decision = Decision::kNone;
  std::string outcome;  // "deleted (overwritten first)", "quarantined into ...", the error ...
};

Finding makeFinding(FindingKind kind, std::string path, std::vector<std::string> reasons);

// "a" ordered before "b": severity first, then path.
bool findingBefore(const Finding& a, const Finding& b);

struct NotInspected {
  std::string path;
  std::string reason;
};

}  // namespace mamori::inspect
