#include "agent/p2p/ProcessInspector.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/Log.h"
#include "common/PeVersionInfo.h"
#include "common/UniqueFd.h"

namespace mamori::agent::p2p {

namespace {

std::string_view baseName(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool isInterpreter(std::string_view name) {
  for (std::string_view prefix : {"python", "perl", "ruby", "node", "nodejs", "php"}) {
    if (name.starts_with(prefix)) return true;
  }
  return name == "sh" || name == "bash" || name == "dash";
}

common::Result<std::string> readWhole(int fd, std::int64_t size, const std::string& name) {
  std::string data(static_cast<std::size_t>(size), '\0');
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::makeError("cannot read", name, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  data.resize(done);
  return data;
}

}  // namespace

std::string scriptPathOf(const drivers::ProcessInfo& process) {
  const std::string_view exe = baseName(process.exePath.empty() ? std::string_view(process.comm) : process.exePath);
  if (!isInterpreter(exe) || process.argv.size() < 2) return {};
  for (std::size_t i = 1; i < process.argv.size(); ++i) {
    const std::string& arg = process.argv[i];
    if (arg.empty()) continue;
    if (arg == "-c" || arg == "-m" || arg == "-e") return {};  // code or a module follows, not a script file
    if (arg[0] == '-') continue;
    return arg;
  }
  return {};
}

std::string ProcessInspector::mappedFile(const drivers::ProcessInfo& process,
                                         const drivers::ExecutableMapping& mapping) const {
  if (!mapping.deleted) return mapping.path;
  // Unlinked since it was mapped (or a memfd): the process's own map_files entry still opens it.
  if (process.pid <= 0 || mapping.addresses.empty()) return {};
  return procRoot_ + "/" + std::to_string(process.pid) + "/map_files/" + mapping.addresses;
}

std::string ProcessInspector::scriptFile(const drivers::ProcessInfo& process, const std::string& script) const {
  if (script.starts_with('/') || process.pid <= 0) return script;
  return procRoot_ + "/" + std::to_string(process.pid) + "/cwd/" + script;  // relative to the process's folder
}

void ProcessInspector::setSignatureSets(const std::vector<policy::P2pSignatureSet>& sets) {
  scanners_.clear();
  yaraCache_.clear();
  versionPatterns_ = false;
  for (const auto& set : sets) versionPatterns_ = versionPatterns_ || !set.peVersionInfo.empty();
  scanners_ = scan::signatureSetScanners(sets, "p2p guard");
}

policy::ProcessFacts ProcessInspector::basic(const drivers::ProcessInfo& process) const {
  policy::ProcessFacts facts;
  facts.comm = process.comm;
  facts.exePath = process.exePath;
  facts.argv = process.argv;
  facts.scriptPath = scriptPathOf(process);
  return facts;
}

void ProcessInspector::addHashes(const drivers::ProcessInfo& process, policy::ProcessFacts& facts) {
  facts.libraries.clear();
  const std::string exeLink = procRoot_ + "/" + std::to_string(process.pid) + "/exe";
  if (auto hash = hashes_.sha256(exeLink); hash) {
    facts.exeSha256 = hash.value();
  } else if (!process.exePath.empty()) {  // killed already: the link is gone, the path still names the file
    if (auto byPath = hashes_.sha256(process.exePath); byPath) facts.exeSha256 = byPath.value();
  }
  if (!facts.scriptPath.empty()) {
    // A renamed copy of a known launcher script (python3 ./updater) is known by its hash.
    if (auto hash = hashes_.sha256(scriptFile(process, facts.scriptPath)); hash) facts.scriptSha256 = hash.value();
  }
  for (const auto& mapping : process.mappings) {
    if (mapping.path == process.exePath) continue;
    policy::MappedLibrary library{mapping.path, {}};
    if (const std::string file = mappedFile(process, mapping); !file.empty()) {
      if (auto hash = hashes_.sha256(file); hash) library.sha256 = hash.value();
    }
    facts.libraries.push_back(std::move(library));
  }
}

ProcessInspector::Content ProcessInspector::scanFile(const std::string& path, const std::string& openPath) {
  common::UniqueFd fd(::open(openPath.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  // The /proc link is gone once the process is: the path still names the file.
  if (!fd.valid() && openPath != path) fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return {};
  auto identity = hashes_.identity(fd.get(), path);
  if (!identity) return {};
  const auto& id = identity.value();
  const Key key{id.device, id.inode, id.size, id.mtimeNs};
  if (const auto it = yaraCache_.find(key); it != yaraCache_.end()) return it->second;
  Content content;
  auto data = readWhole(fd.get(), std::min(id.size, kMaxYaraBytes), path);
  if (data) {
    for (auto& [set, scanner] : scanners_) {
      auto matches = scanner->scan(data.value(), 5);
      if (!matches) {
        common::log::warning("p2p guard: YARA over " + path + ": " + matches.error().describe());
        continue;
      }
      for (const auto& match : matches.value()) content.hits.push_back({set, match.rule});
    }
    content.pe = common::looksLikePe(data.value());
    if (content.pe) {
      // A damaged resource says nothing; the hash and the rules still judge the file.
      if (auto version = common::peVersionInfo(data.value()); version)
        content.version = std::move(version.value().strings);
    }
  }
  if (yaraCache_.size() > 4096) yaraCache_.clear();
  yaraCache_.emplace(key, content);
  return content;
}

void ProcessInspector::addYara(const drivers::ProcessInfo& process, policy::ProcessFacts& facts) {
  facts.yaraHits.clear();
  facts.peVersion.clear();
  facts.peVersionPath.clear();
  if (scanners_.empty() && !versionPatterns_) return;
  const auto keepVersion = [&](const Content& content, const std::string& path) {
    if (!content.pe || content.version.empty() || !facts.peVersion.empty()) return;
    facts.peVersion = content.version;
    facts.peVersionPath = path;
  };
  const std::string exeLink = procRoot_ + "/" + std::to_string(process.pid) + "/exe";
  const Content exe = scanFile(process.exePath, exeLink);
  for (const auto& hit : exe.hits) facts.yaraHits.push_back({hit.set, hit.rule, process.exePath});
  keepVersion(exe, process.exePath);
  if (!facts.scriptPath.empty()) {
    const std::string script = scriptFile(process, facts.scriptPath);
    const Content content = scanFile(facts.scriptPath, script);
    for (const auto& hit : content.hits) facts.yaraHits.push_back({hit.set, hit.rule, facts.scriptPath});
    keepVersion(content, facts.scriptPath);
  }
  for (const auto& mapping : process.mappings) {
    if (mapping.path == process.exePath) continue;
    const std::string file = mappedFile(process, mapping);
    if (file.empty()) continue;
    for (const auto& hit : scanFile(file, file).hits) {  // a deleted one: never another file at its path
      facts.yaraHits.push_back({hit.set, hit.rule, mapping.deleted ? mapping.path + " (deleted)" : mapping.path});
    }
  }
}

}  // namespace mamori::agent::p2p
