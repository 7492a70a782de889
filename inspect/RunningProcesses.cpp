#include "inspect/RunningProcesses.h"

#include <unistd.h>

#include <map>

#include "common/Crypto.h"
#include "drivers/linux/ProcFs.h"
#include "inspect/FileAccess.h"
#include "inspect/ProgramFinder.h"

namespace mamori::inspect {

namespace {

struct FileFacts {
  std::string sha256;
  std::vector<policy::YaraHit> hits;
};

bool runtimeLibrary(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);
  return name.rfind("libc.so", 0) == 0 || name.rfind("libm.so", 0) == 0 || name.rfind("libstdc++", 0) == 0 ||
         name.rfind("libgcc_s", 0) == 0 || name.rfind("ld-linux", 0) == 0;
}

}  // namespace

void findRunningPrograms(const std::string& procRoot, P2pRecognizer& recognizer, std::vector<Finding>& findings,
                         std::vector<NotInspected>& skipped, const std::atomic<bool>* stop) {
  const drivers::linux_os::ProcFs proc(procRoot);
  // Executables by identity and libraries by path: the same file runs in many processes.
  std::map<std::pair<std::uint64_t, std::uint64_t>, FileFacts> exes;
  std::map<std::string, FileFacts> libraries;
  int unreadable = 0;
  for (const auto& p : proc.snapshot()) {
    if (stop != nullptr && stop->load()) break;
    if (p.kernelThread || p.pid == ::getpid()) continue;  // the tool embeds the rules' text: it would match
    policy::ProcessFacts facts;
    facts.comm = p.comm;
    facts.argv = p.argv;
    facts.exePath = p.exePath;
    if (p.exePath.empty()) ++unreadable;  // another user's process, when not root
    if (!p.exePath.empty()) {
      const auto key = std::make_pair(p.exe.device, p.exe.inode);
      auto it = exes.find(key);
      if (it == exes.end() || !p.exe.known()) {
        FileFacts exe;
        if (auto program = readProgram(proc.exeLink(p.pid), kMaxProgramBytes, true)) {
          exe.sha256 = program.value().sha256;
          exe.hits = recognizer.scan(p.exePath, program.value().head);
        }
        it = exes.insert_or_assign(key, std::move(exe)).first;
      }
      facts.exeSha256 = it->second.sha256;
      facts.yaraHits = it->second.hits;
    }
    for (const auto& m : p.mappings) {
      if (m.path == p.exePath || m.path.empty() || m.path[0] != '/' || runtimeLibrary(m.path)) continue;
      // A library deleted since it was loaded (or a memfd) is read through the process's map_files
      // entry, and known per process: another file may have its old path.
      if (m.deleted && m.addresses.empty()) continue;
      const std::string file =
          m.deleted ? procRoot + "/" + std::to_string(p.pid) + "/map_files/" + m.addresses : m.path;
      auto it = libraries.find(file);
      if (it == libraries.end()) {
        FileFacts lib;
        if (auto content = m.deleted ? readProcessFileBounded(file, 512LL << 20) : readFileBounded(file, 512LL << 20)) {
          lib.sha256 = common::sha256Hex(content.value());
          lib.hits = recognizer.scan(m.deleted ? m.path + " (deleted)" : m.path, content.value());
        }
        it = libraries.emplace(file, std::move(lib)).first;
      }
      facts.libraries.push_back({m.path, it->second.sha256});
      facts.yaraHits.insert(facts.yaraHits.end(), it->second.hits.begin(), it->second.hits.end());
    }
    auto reasons = recognizer.recognise(facts);
    if (reasons.empty()) continue;
    auto finding = makeFinding(FindingKind::kP2pRunning, p.exePath.empty() ? p.comm : p.exePath, std::move(reasons));
    finding.id = finding.id.substr(0, 8) + "-" + std::to_string(p.pid);  // one finding per process
    finding.pid = p.pid;
    finding.sha256 = facts.exeSha256;
    finding.reasons.push_back("running as " + p.user + " (pid " + std::to_string(p.pid) + ")");
    findings.push_back(std::move(finding));
  }
  if (unreadable > 0) {
    skipped.push_back(
        {procRoot,
         std::to_string(unreadable) +
             (::geteuid() == 0 ? " processes had no readable executable (exiting or zombies)"
                               : " processes of other users could not be examined (run as root to include them)")});
  }
}

}  // namespace mamori::inspect
