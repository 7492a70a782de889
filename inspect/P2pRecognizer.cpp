#include "inspect/P2pRecognizer.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/ElfNeeded.h"
#include "common/Log.h"
#include "common/PeVersionInfo.h"
#include "inspect/FileAccess.h"

namespace mamori::inspect {

namespace {
constexpr int kYaraSecondsPerFile = 10;
}

P2pRecognizer::P2pRecognizer(const policy::P2pGuardSettings& settings)
    : matcher_(settings), scanners_(scan::signatureSetScanners(settings.signatureSets, "mamori-inspect")) {
  if (!scan::yaraPrefilterEnabled()) return;
  std::vector<const policy::YaraPrefilter*> parts;
  for (const auto& set : settings.signatureSets)
    if (set.yaraRules) parts.push_back(set.yaraRules->prefilter());
  anySet_ = policy::YaraPrefilter::unionOf(parts);
}

std::string programNameOf(const std::string& fileName) {
  std::string name = fileName;
  for (const char* suffix : {".AppImage", ".appimage", ".exe", ".EXE"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      name.resize(name.size() - s.size());
  }
  // A version or architecture after '-' or '_' followed by a digit or "x86": cut there.
  for (std::size_t i = 1; i + 1 < name.size(); ++i) {
    if ((name[i] == '-' || name[i] == '_') &&
        (std::isdigit(static_cast<unsigned char>(name[i + 1])) != 0 || name.compare(i + 1, 3, "x86") == 0)) {
      name.resize(i);
      break;
    }
  }
  return name;
}

void addPeVersion(policy::ProcessFacts& facts, const std::string& path, const std::string& bytes) {
  if (!common::looksLikePe(bytes)) return;
  auto version = common::peVersionInfo(bytes);
  if (!version || version.value().strings.empty()) return;  // a damaged resource says nothing
  facts.peVersion = std::move(version.value().strings);
  facts.peVersionPath = path;
}

policy::ProcessFacts factsForFile(const std::string& path, const std::string& sha256) {
  const std::string name = programNameOf(path.substr(path.find_last_of('/') + 1));
  policy::ProcessFacts facts;
  facts.comm = name.substr(0, 15);
  facts.exePath = path;
  facts.argv = {name};
  facts.exeSha256 = sha256;
  return facts;
}

std::vector<policy::YaraHit> P2pRecognizer::scan(const std::string& path, const std::string& bytes) {
  std::vector<policy::YaraHit> hits;
  if (anySet_ != nullptr && !anySet_->mayMatch(bytes)) return hits;
  for (auto& [set, scanner] : scanners_) {
    if (bytes.empty()) break;
    auto matches = scanner->scan(bytes, kYaraSecondsPerFile);
    if (!matches) continue;  // a timeout is no evidence either way
    for (const auto& m : matches.value()) hits.push_back({set, m.rule, path});
  }
  return hits;
}

void P2pRecognizer::addLibraries(policy::ProcessFacts& facts, const std::string& bytes) {
  auto needed = common::elfNeededLibraries(bytes);
  if (!needed) return;
  for (const auto& resolved : common::resolveNeededLibraries(facts.exePath, needed.value())) {
    auto it = libraries_.find(resolved);
    if (it == libraries_.end()) {
      LibraryFacts lib;
      if (auto content = readFileBounded(resolved, 512LL << 20)) {
        lib.sha256 = common::sha256Hex(content.value());
        lib.hits = scan(resolved, content.value());
      }
      it = libraries_.emplace(resolved, std::move(lib)).first;
    }
    facts.libraries.push_back({it->first, it->second.sha256});
    facts.yaraHits.insert(facts.yaraHits.end(), it->second.hits.begin(), it->second.hits.end());
  }
}

std::vector<std::string> P2pRecognizer::recognise(const policy::ProcessFacts& facts, bool byName) const {
  const auto verdict = matcher_.evaluate(facts);
  std::vector<std::string> reasons;
  if (!verdict.matched) return reasons;
  const bool content = std::any_of(verdict.evidence.begin(), verdict.evidence.end(),
                                   [](const auto& e) { return e.signal != policy::P2pSignal::kName; });
  if (!byName && !content) return reasons;
  for (const auto& e : verdict.evidence) {
    reasons.push_back(std::string(policy::p2pSignalName(e.signal)) + " " + e.matched + " (signature set " +
                      e.signatureSet + ", in " + e.subject + ")");
  }
  return reasons;
}

}  // namespace mamori::inspect
