#include "inspect/Findings.h"

#include "common/Crypto.h"

namespace mamori::inspect {

std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
  }
  return "high";
}

std::string_view kindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kCompanyFileInShare: return "company_file_in_p2p_share";
    case FindingKind::kCompanyFile: return "company_file";
    case FindingKind::kP2pRunning: return "p2p_running";
    case FindingKind::kP2pInstalled: return "p2p_installed";
    case FindingKind::kP2pClientState: return "p2p_client_state";
    case FindingKind::kP2pShareFolder: return "p2p_share_folder";
  }
  return "company_file";
}

std::string_view decisionName(Decision decision) {
  switch (decision) {
    case Decision::kNone: return "none";
    case Decision::kKeep: return "keep";
    case Decision::kDelete: return "delete";
    case Decision::kQuarantine: return "quarantine";
  }
  return "none";
}

Severity severityOf(FindingKind kind) {
  switch (kind) {
    case FindingKind::kCompanyFileInShare: return Severity::kCritical;
    case FindingKind::kCompanyFile:
    case FindingKind::kP2pRunning: return Severity::kHigh;
    case FindingKind::kP2pInstalled:
    case FindingKind::kP2pShareFolder: return Severity::kMedium;
    case FindingKind::kP2pClientState: return Severity::kLow;
  }
  return Severity::kHigh;
}

Finding makeFinding(FindingKind kind, std::string path, std::vector<std::string> reasons) {
  Finding finding;
  finding.kind = kind;
  finding.severity = severityOf(kind);
  // 12 hex digits: short enough to type into a plan, collisions need ~16M findings on one PC.
  finding.id = common::sha256Hex(std::string(kindName(kind)) + '\0' + path).substr(0, 12);
  finding.path = std::move(path);
  finding.reasons = std::move(reasons);
  const bool file = kind == FindingKind::kCompanyFile || kind == FindingKind::kCompanyFileInShare ||
                    kind == FindingKind::kP2pInstalled;
  finding.canDelete = file || kind == FindingKind::kP2pClientState;
  finding.canQuarantine = file;
  return finding;
}

bool findingBefore(const Finding& a, const Finding& b) {
  if (a.severity != b.severity) return a.severity < b.severity;
  if (a.path != b.path) return a.path < b.path;
  return a.kind < b.kind;
}

}  // namespace mamori::inspect
