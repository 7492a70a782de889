#pragma once
// P2P guard decisions. Pure: facts in, verdict out. Built once per applied policy (it indexes the
// hashes), then asked for every exec.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/P2pGuardSettings.h"
#include "policy/ProcessFacts.h"

namespace mamori::policy {

enum class P2pSignal { kName, kExeHash, kLibraryHash, kScript, kScriptHash, kVersionInfo, kYara };

std::string_view p2pSignalName(
    P2pSignal signal);  // "name", "exe_hash", "library_hash", "script", "script_hash", "version_info", "yara"

struct P2pEvidence {
  P2pSignal signal = P2pSignal::kName;
  std::string signatureSet;
  std::string matched;  // the pattern, hash or rule that matched
  std::string subject;  // what it matched in the facts: "comm", an executable or library path ...
};

struct P2pVerdict {
  bool matched = false;
  std::vector<P2pEvidence> evidence;  // every signal that matched, in the order above
  // What the agent does. Both false in audit mode (then audit is true) and when nothing matched.
  bool denyExec = false;
  bool kill = false;
  bool audit = false;
};

class P2pMatcher {
 public:
  explicit P2pMatcher(P2pGuardSettings settings);

  P2pVerdict evaluate(const ProcessFacts& process) const;

 private:
  void matchNames(const ProcessFacts& process, std::vector<P2pEvidence>& out) const;
  void matchHashes(const ProcessFacts& process, std::vector<P2pEvidence>& out) const;
  void matchScripts(const ProcessFacts& process, std::vector<P2pEvidence>& out) const;
  void matchVersionInfo(const ProcessFacts& process, std::vector<P2pEvidence>& out) const;
  void matchYara(const ProcessFacts& process, std::vector<P2pEvidence>& out) const;

  P2pGuardSettings settings_;
  std::unordered_map<std::string, std::size_t> hashToSet_;  // sha256 -> index in settings_.signatureSets
};

}  // namespace mamori::policy
