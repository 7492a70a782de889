#include "inspect/ProgramFinder.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sys/stat.h>

#include "inspect/FileAccess.h"

namespace mamori::inspect {

namespace {

bool endsWithNoCase(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), name.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                    });
}

// Worth reading: something that can run. Executable bits, or a name that runs when clicked
// (AppImage, or a Windows program under Wine).
bool candidate(const DirEntry& e) {
  return e.type == EntryType::kFile && e.size > 0 &&
         (e.executable || endsWithNoCase(e.name, ".appimage") || endsWithNoCase(e.name, ".exe"));
}

bool startsWith(std::string_view bytes, std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; }

}  // namespace

bool worthReadingWhole(std::string_view firstBytes, std::string_view fileName) {
  return startsWith(firstBytes,
                    "\x7f"
                    "ELF") ||
         startsWith(firstBytes, "MZ") || startsWith(firstBytes, "#!") || endsWithNoCase(fileName, ".appimage");
}

std::vector<ProgramFolder> defaultProgramFolders(const std::vector<std::string>& homes, bool system) {
  std::vector<ProgramFolder> out;
  if (system) {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/games", "/usr/sbin"}) out.push_back({dir, 0});
    out.push_back({"/opt", 4});
  }
  for (const auto& home : homes) {
    out.push_back({home + "/.local/bin", 1});
    out.push_back({home + "/bin", 1});
    out.push_back({home + "/Applications", 3});
    out.push_back({home + "/Downloads", 3});
    out.push_back({home + "/Desktop", 2});
    out.push_back({home + "/.wine/drive_c", 6});
    out.push_back({home + "/.local/share/wineprefixes", 8});
  }
  // Renamed copies go anywhere the owner can write. The folders above come first (each file is
  // read once: a file they hold keeps the verdict its name may give it).
  for (const auto& home : homes) out.push_back({home, 12, true});
  if (system) {
    for (const char* dir : {"/tmp", "/var/tmp"}) out.push_back({dir, 8, true});
    out.push_back({"/dev/shm", 4, true});
  }
  return out;
}

void findInstalledPrograms(const std::vector<ProgramFolder>& folders, P2pRecognizer& recognizer,
                           std::vector<Finding>& findings, std::vector<NotInspected>& skipped,
                           const std::atomic<bool>* stop, const ProgramReadCallback& onRead) {
  std::set<std::string> seen;  // /usr/sbin may be /usr/bin's link target on merged-/usr systems
  // The tool itself (copied into ~/Downloads, say) embeds the P2P signature sets' rule text, which
  // the rules would match: never report it.
  struct stat self {};
  const bool selfKnown = ::stat("/proc/self/exe", &self) == 0;
  std::string buffer;  // one head buffer for every file read (its pages are not faulted in again)
  for (const auto& folder : folders) {
    walkEntries(
        folder.path, folder.depth,
        [&](const DirEntry& e) {
          if (!candidate(e) || !seen.insert(e.path).second) return true;
          if (selfKnown && e.device == self.st_dev && e.inode == self.st_ino) return true;
          auto first = readFirstBytes(e.path, kProgramHeaderBytes);
          if (!first) {
            skipped.push_back({e.path, first.error().describe()});
            return true;
          }
          if (!worthReadingWhole(first.value(), e.name)) return true;
          auto program = readProgram(e.path, kMaxProgramBytes, false, std::move(buffer));
          if (!program) {
            skipped.push_back({e.path, program.error().describe()});
            return true;
          }
          if (onRead) onRead(e.path, program.value().size);
          const std::string& bytes = program.value().head;
          struct GiveBack {
            std::string& from;
            std::string& to;
            ~GiveBack() { to = std::move(from); }
          } giveBack{program.value().head, buffer};
          const std::string& sha = program.value().sha256;
          auto facts = factsForFile(e.path, sha);
          facts.yaraHits = recognizer.scan(e.path, bytes);
          recognizer.addLibraries(facts, bytes);
          addPeVersion(facts, e.path, bytes);
          auto reasons = recognizer.recognise(facts, !folder.byContentOnly);
          if (reasons.empty()) return true;
          auto finding = makeFinding(FindingKind::kP2pInstalled, e.path, std::move(reasons));
          finding.sha256 = sha;
          finding.size = e.size;
          findings.push_back(std::move(finding));
          return true;
        },
        [&](const std::string& path, const std::string& reason) {
          skipped.push_back({path, reason});
        },
        stop);
  }
}

}  // namespace mamori::inspect
