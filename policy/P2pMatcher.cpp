#include "policy/P2pMatcher.h"

#include <algorithm>

#include "common/Glob.h"

namespace mamori::policy {

namespace {

constexpr std::size_t kCommLength = 15;  // TASK_COMM_LEN - 1

std::string_view baseName(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Windows programs run through Wine keep their ".exe".
std::string_view withoutExe(std::string_view name) {
  if (name.size() > 4) {
    const auto tail = name.substr(name.size() - 4);
    if (common::globMatch(".exe", tail, true)) return name.substr(0, name.size() - 4);
  }
  return name;
}

bool matchesName(std::string_view pattern, std::string_view name) {
  return common::globMatch(pattern, name, true) || common::globMatch(pattern, withoutExe(name), true);
}

// comm is cut at 15 bytes ("transmission-da"): a pattern matches if its first 15 bytes do.
bool matchesComm(std::string_view pattern, std::string_view comm) {
  if (matchesName(pattern, comm)) return true;
  if (comm.size() < kCommLength || pattern.size() <= kCommLength) return false;
  const auto head = pattern.substr(0, kCommLength);
  return head.find_first_of("*?") == std::string_view::npos && common::globMatch(head, comm, true);
}

// A pattern with a '/' is matched against the full path, otherwise against the base name.
bool matchesPath(std::string_view pattern, std::string_view path) {
  if (pattern.find('/') != std::string_view::npos) return common::globMatch(pattern, path, false);
  return common::globMatch(pattern, baseName(path), true);
}

std::string scriptOf(const ProcessFacts& process) {
  if (!process.scriptPath.empty()) return process.scriptPath;
  // Without the driver's help: the first argument that is not an option (python3 /usr/bin/deluged -d).
  for (std::size_t i = 1; i < process.argv.size(); ++i) {
    if (!process.argv[i].empty() && process.argv[i][0] != '-') return process.argv[i];
  }
  return {};
}

}  // namespace

std::string_view p2pSignalName(P2pSignal signal) {
  switch (signal) {
    case P2pSignal::kName: return "name";
    case P2pSignal::kExeHash: return "exe_hash";
    case P2pSignal::kLibraryHash: return "library_hash";
    case P2pSignal::kScript: return "script";
    case P2pSignal::kScriptHash: return "script_hash";
    case P2pSignal::kVersionInfo: return "version_info";
    case P2pSignal::kYara: return "yara";
  }
  return "name";
}

P2pMatcher::P2pMatcher(P2pGuardSettings settings) : settings_(std::move(settings)) {
  for (std::size_t i = 0; i < settings_.signatureSets.size(); ++i) {
    for (const auto& hash : settings_.signatureSets[i].sha256) hashToSet_.emplace(hash, i);
  }
}

void P2pMatcher::matchNames(const ProcessFacts& process, std::vector<P2pEvidence>& out) const {
  for (const auto& set : settings_.signatureSets) {
    for (const auto& pattern : set.processNames) {
      if (!process.comm.empty() && matchesComm(pattern, process.comm)) {
        out.push_back({P2pSignal::kName, set.name, pattern, "comm " + process.comm});
      } else if (!process.exePath.empty() && matchesName(pattern, baseName(process.exePath))) {
        out.push_back({P2pSignal::kName, set.name, pattern, "exe " + process.exePath});
      } else if (!process.argv.empty() && !process.argv[0].empty() && matchesName(pattern, baseName(process.argv[0]))) {
        out.push_back({P2pSignal::kName, set.name, pattern, "argv[0] " + process.argv[0]});
      } else if (process.wineProgram && !process.scriptPath.empty() &&
                 matchesName(pattern, baseName(process.scriptPath))) {
        out.push_back({P2pSignal::kName, set.name, pattern, "wine program " + process.scriptPath});
      }
    }
  }
}

void P2pMatcher::matchHashes(const ProcessFacts& process, std::vector<P2pEvidence>& out) const {
  if (!process.exeSha256.empty()) {
    if (const auto it = hashToSet_.find(process.exeSha256); it != hashToSet_.end()) {
      out.push_back({P2pSignal::kExeHash, settings_.signatureSets[it->second].name, it->first, process.exePath});
    }
  }
  if (!process.scriptSha256.empty()) {
    if (const auto it = hashToSet_.find(process.scriptSha256); it != hashToSet_.end()) {
      out.push_back({P2pSignal::kScriptHash, settings_.signatureSets[it->second].name, it->first, process.scriptPath});
    }
  }
  for (const auto& library : process.libraries) {
    if (library.sha256.empty()) continue;
    if (const auto it = hashToSet_.find(library.sha256); it != hashToSet_.end()) {
      out.push_back({P2pSignal::kLibraryHash, settings_.signatureSets[it->second].name, it->first, library.path});
    }
  }
}

void P2pMatcher::matchScripts(const ProcessFacts& process, std::vector<P2pEvidence>& out) const {
  const std::string script = scriptOf(process);
  if (script.empty()) return;
  for (const auto& set : settings_.signatureSets) {
    for (const auto& pattern : set.scripts) {
      const bool interpreter = matchesPath(pattern.interpreter, process.exePath) ||
                               (!process.comm.empty() && matchesPath(pattern.interpreter, process.comm));
      if (interpreter && matchesPath(pattern.script, script)) {
        out.push_back(
            {P2pSignal::kScript, set.name, pattern.interpreter + " " + pattern.script, process.exePath + " " + script});
      }
    }
  }
}

void P2pMatcher::matchVersionInfo(const ProcessFacts& process, std::vector<P2pEvidence>& out) const {
  if (process.peVersion.empty()) return;
  for (const auto& set : settings_.signatureSets) {
    for (const auto& pattern : set.peVersionInfo) {
      for (const auto& string : process.peVersion) {
        if (!common::globMatch(pattern.field, string.key, true) ||
            !common::globMatch(pattern.value, string.value, true))
          continue;
        out.push_back({P2pSignal::kVersionInfo, set.name, pattern.field + "=" + pattern.value,
                       process.peVersionPath + " " + string.key + "=" + string.value});
        break;  // one piece of evidence per pattern
      }
    }
  }
}

void P2pMatcher::matchYara(const ProcessFacts& process, std::vector<P2pEvidence>& out) const {
  for (const auto& hit : process.yaraHits) {
    const bool known = std::any_of(settings_.signatureSets.begin(), settings_.signatureSets.end(),
                                   [&](const auto& set) { return set.name == hit.signatureSet; });
    if (known) out.push_back({P2pSignal::kYara, hit.signatureSet, hit.rule, hit.path});
  }
}

P2pVerdict P2pMatcher::evaluate(const ProcessFacts& process) const {
  P2pVerdict verdict;
  if (settings_.mode == Mode::kOff) return verdict;
  matchNames(process, verdict.evidence);
  matchHashes(process, verdict.evidence);
  matchScripts(process, verdict.evidence);
  matchVersionInfo(process, verdict.evidence);
  matchYara(process, verdict.evidence);
  verdict.matched = !verdict.evidence.empty();
  if (!verdict.matched) return verdict;
  if (settings_.mode == Mode::kAudit) {
    verdict.audit = true;
  } else {
    verdict.denyExec = settings_.denyExec;
    verdict.kill = settings_.kill;
  }
  return verdict;
}

}  // namespace mamori::policy
