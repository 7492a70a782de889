#include "inspect/RunningProcesses.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>

#include "common/Crypto.h"
#include "inspect/FileAccess.h"
#include "inspect/ProgramFinder.h"

namespace mamori::inspect {

namespace {

std::string readLink(const std::string& path) {
  std::string buf(PATH_MAX, '\0');
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n <= 0) return {};
  buf.resize(static_cast<std::size_t>(n));
  if (const auto deleted = buf.rfind(" (deleted)"); deleted != std::string::npos && deleted + 10 == buf.size())
    buf.resize(deleted);
  return buf;
}

}  // namespace

void findRunningPrograms(const std::string& procRoot, P2pRecognizer& recognizer, std::vector<Finding>& findings,
                         std::vector<NotInspected>& skipped, const std::atomic<bool>* stop) {
  int denied = 0;
  // The same executable runs many times: hash and scan it once.
  std::map<std::string, std::pair<std::string, std::vector<policy::YaraHit>>> seenExe;
  walkEntries(
      procRoot, 0,
      [&](const DirEntry& e) {
        if (e.type != EntryType::kDirectory || e.name.empty() ||
            !std::all_of(e.name.begin(), e.name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
          return false;
        auto comm = readFileBounded(e.path + "/comm", 4096);
        auto cmdline = readFileBounded(e.path + "/cmdline", 1 << 20);
        policy::ProcessFacts facts;
        if (comm) {
          facts.comm = comm.value();
          while (!facts.comm.empty() && facts.comm.back() == '\n') facts.comm.pop_back();
        }
        if (cmdline) {
          const std::string& c = cmdline.value();
          for (std::size_t start = 0; start < c.size();) {
            const auto end = c.find('\0', start);
            facts.argv.push_back(c.substr(start, end == std::string::npos ? std::string::npos : end - start));
            if (end == std::string::npos) break;
            start = end + 1;
          }
        }
        facts.exePath = readLink(e.path + "/exe");
        if (!facts.exePath.empty()) {
          auto found = seenExe.find(facts.exePath);
          if (found == seenExe.end()) {
            // Read through /proc/PID/exe: the file that runs, even if its name was changed or removed.
            std::pair<std::string, std::vector<policy::YaraHit>> verdict;
            if (auto content = readFileBounded(e.path + "/exe", kMaxProgramBytes)) {
              verdict.first = common::sha256Hex(content.value());
              verdict.second = recognizer.scan(facts.exePath, content.value());
              policy::ProcessFacts withLibraries;
              withLibraries.exePath = facts.exePath;
              recognizer.addLibraries(withLibraries, content.value());
              verdict.second.insert(verdict.second.end(), withLibraries.yaraHits.begin(), withLibraries.yaraHits.end());
            }
            found = seenExe.emplace(facts.exePath, std::move(verdict)).first;
          }
          facts.exeSha256 = found->second.first;
          facts.yaraHits = found->second.second;
        } else if (comm) {
          ++denied;  // kernel threads have no exe either, but they have no cmdline
          if (cmdline && cmdline.value().empty()) --denied;
        }
        auto reasons = recognizer.recognise(facts);
        if (reasons.empty()) return false;
        auto finding = makeFinding(FindingKind::kP2pRunning, facts.exePath.empty() ? facts.comm : facts.exePath,
                                   std::move(reasons));
        finding.id = finding.id.substr(0, 8) + "-" + e.name;  // one finding per process
        finding.pid = std::stoll(e.name);
        finding.sha256 = facts.exeSha256;
        findings.push_back(std::move(finding));
        return false;
      },
      [&](const std::string& path, const std::string& reason) { skipped.push_back({path, reason}); }, stop);
  if (denied > 0)
    skipped.push_back({procRoot, std::to_string(denied) +
                                     " processes of other users could not be examined (run as root to include them)"});
}

}  // namespace mamori::inspect
