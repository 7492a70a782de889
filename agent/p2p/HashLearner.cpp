#include "agent/p2p/HashLearner.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/stat.h>

#include "common/Log.h"
#include "common/Split.h"

namespace mamori::agent::p2p {

namespace {

constexpr std::int64_t kMaxListBytes = 64LL * 1024 * 1024;
// Folders outside any package where a hand-installed client would sit.
constexpr const char* kLooseFolders[] = {"/usr/local/bin", "/usr/local/sbin", "/opt/bin"};

bool inProgramFolder(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const std::string_view folder = path.substr(0, slash);
  return folder.ends_with("/bin") || folder.ends_with("/sbin") || folder.ends_with("/games") ||
         folder.find("/libexec") != std::string_view::npos;
}

bool namedBySets(const policy::P2pMatcher& names, std::string_view path) {
  const auto slash = path.rfind('/');
  // The file name only: comm's 15-byte cut would let "transmission-dashboard" pass as
  // "transmission-daemon".
  policy::ProcessFacts facts;
  facts.exePath = std::string(path.substr(slash == std::string_view::npos ? 0 : slash));
  const auto verdict = names.evaluate(facts);
  return std::any_of(verdict.evidence.begin(), verdict.evidence.end(),
                     [](const auto& e) { return e.signal == policy::P2pSignal::kName; });
}

// Only the names matter here: a matcher without hashes, scripts or rules.
policy::P2pGuardSettings namesOnly(const std::vector<policy::P2pSignatureSet>& sets) {
  policy::P2pGuardSettings settings;
  settings.mode = policy::Mode::kEnforce;
  for (const auto& set : sets) {
    if (set.processNames.empty()) continue;
    policy::P2pSignatureSet names;
    names.name = set.name;
    names.processNames = set.processNames;
    settings.signatureSets.push_back(std::move(names));
  }
  return settings;
}

std::int64_t mtimeNsOf(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

struct DirClose {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirClose>;

std::vector<std::string> entriesOf(const std::string& folder) {
  std::vector<std::string> names;
  const DirHandle dir(::opendir(folder.c_str()));
  if (!dir) return names;
  // readdir is safe on a stream no other thread uses, which this one is.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  return names;
}

}  // namespace

std::vector<std::string> programsInList(std::string_view package, std::string_view listText,
                                        const policy::P2pMatcher& names) {
  const std::string_view bare = package.substr(0, package.find(':'));  // "aria2:amd64" -> "aria2"
  const bool wholePackage = !bare.empty() && namedBySets(names, "/" + std::string(bare));
  std::vector<std::string> out;
  for (const std::string_view line : common::splitFields(listText, '\n')) {
    if (line.empty() || line[0] != '/' || !inProgramFolder(line)) continue;
    if (wholePackage || namedBySets(names, line)) out.emplace_back(line);
  }
  return out;
}

bool HashLearner::learn(const std::vector<policy::P2pSignatureSet>& sets) {
  const policy::P2pMatcher names(namesOnly(sets));
  std::string key;
  for (const auto& set : sets) {
    for (const auto& name : set.processNames) key += name + '\n';
  }
  if (key != setsKey_) {  // other names: every list is read again
    lists_.clear();
    setsKey_ = key;
  }

  std::map<std::string, ListState> seen;
  const std::string folder = packageListFolder();
  for (const auto& entry : entriesOf(folder)) {
    if (!entry.ends_with(".list")) continue;
    const std::string path = folder + "/" + entry;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxListBytes) continue;
    if (const auto it = lists_.find(entry); it != lists_.end() && it->second.mtimeNs == mtimeNsOf(st)) {
      seen.emplace(entry, std::move(it->second));
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string package = entry.substr(0, entry.size() - 5);
    seen.emplace(entry, ListState{mtimeNsOf(st), programsInList(package, text.str(), names)});
  }
  lists_ = std::move(seen);

  std::map<std::string, std::string> candidates;  // path -> package
  for (const auto& [entry, state] : lists_) {
    const std::string package = entry.substr(0, entry.size() - 5);  // "aria2:amd64.list" -> "aria2:amd64"
    for (const auto& program : state.programs) candidates.emplace(program, package.substr(0, package.find(':')));
  }
  for (const char* loose : kLooseFolders) {
    for (const auto& name : entriesOf(root_ + loose)) {
      const std::string path = std::string(loose) + "/" + name;
      if (namedBySets(names, path)) candidates.emplace(path, std::string());
    }
  }

  std::vector<LearnedProgram> learned;
  for (const auto& [path, package] : candidates) {
    const std::string file = root_ + path;
    struct stat st {};
    // Regular executable files only: a symbolic link in a client's package may lead to an
    // interpreter or a shared tool whose hash must never be denied.
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0 || st.st_size > kMaxBytes)
      continue;
    auto hash = hashes_.sha256(file);
    if (!hash) {
      common::log::warning("p2p guard: cannot learn the hash of " + path + ": " + hash.error().describe());
      continue;
    }
    learned.push_back({path, hash.value(), package});
  }
  const bool changed = learned != learned_;
  learned_ = std::move(learned);
  return changed;
}

std::vector<policy::P2pSignatureSet> HashLearner::learnedSets() const {
  std::vector<policy::P2pSignatureSet> sets;
  for (const auto& program : learned_) {
    policy::P2pSignatureSet set;
    set.name = "learned:" + program.path;
    set.sha256 = {program.sha256};
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace mamori::agent::p2p
