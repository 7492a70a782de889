#include "inspect/Inspection.h"

#include <algorithm>
#include <map>
#include <sys/stat.h>

#include "drivers/linux/LinuxSandbox.h"
#include "inspect/ClientStateFinder.h"
#include "inspect/FileAccess.h"
#include "inspect/P2pRecognizer.h"
#include "inspect/ProgramFinder.h"
#include "inspect/RunningProcesses.h"
#include "scan/ContentScanner.h"
#include "scan/DirectoryWalker.h"

namespace mamori::inspect {

namespace {

std::string hitText(const scan::Hit& hit) {
  std::string text = std::string(scan::hitKindName(hit.kind)) + " " + hit.name;
  text += hit.kind == scan::HitKind::kFingerprint ? " (" + std::to_string(hit.count) + "% of the registered document)"
          : hit.kind == scan::HitKind::kEdm       ? " (" + std::to_string(hit.count) + " rows of the registered table)"
                                                  : " matched " + std::to_string(hit.count) + "x";
  if (!hit.location.empty()) text += " in " + hit.location;
  return text;
}

// Files and bytes below the roots, for the progress bar's percentage and ETA (metadata only).
void countFiles(const std::vector<std::string>& roots, const std::vector<std::string>& exclude, std::int64_t& files,
                std::int64_t& bytes, const std::atomic<bool>& stop) {
  const scan::DirectoryWalker walker(exclude);
  walker.walk(
      roots,
      [&](const std::string& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) bytes += st.st_size;
        ++files;
        return !stop.load();
      },
      [](const std::string&, const std::string&) {});
}

bool below(const std::string& path, const std::string& folder) {
  return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 &&
         (path[folder.size()] == '/' || folder == "/");
}

}  // namespace

const std::string* shareContaining(const std::string& path, const std::vector<std::string>& shareFolders) {
  for (const auto& folder : shareFolders)
    if (below(path, folder)) return &folder;
  return nullptr;
}

void runInspection(const InspectionScope& scope, const policy::Policy& policy, Progress& progress,
                   const std::atomic<bool>& stop, Report& report) {
  P2pRecognizer recognizer(policy.p2pGuard);
  const auto folders = defaultProgramFolders(scope.homes, scope.systemPrograms);
  for (const auto& f : folders) report.run.programFolders.push_back(f.path);

  // Every program file read counts on the progress line: in a developer's home this search reads
  // toolchains and virtualenvs before the content scan starts, and must not look hung.
  progress.message("Looking for P2P programs ...");
  findInstalledPrograms(folders, recognizer, report.findings, report.notInspected, &stop,
                        [&](const std::string& path, std::int64_t bytes) { progress.file(path, bytes); });
  progress.restart();

  progress.message("Looking for P2P clients' folders ...");
  ClientStateResult state;
  for (const auto& home : scope.homes) findClientState(home, state);
  for (auto& f : state.findings) report.findings.push_back(std::move(f));
  for (auto& s : state.skipped) report.notInspected.push_back(std::move(s));
  // One finding per share folder that exists, with every client that uses it as a reason.
  std::map<std::string, std::vector<std::string>> shares;
  for (const auto& s : state.shareFolders)
    if (isDirectory(s.path)) shares[s.path].push_back(s.reason);
  std::vector<std::string> shareFolders;
  for (auto& [path, reasons] : shares) {
    shareFolders.push_back(path);
    report.findings.push_back(makeFinding(FindingKind::kP2pShareFolder, path, std::move(reasons)));
  }

  if (!scope.procRoot.empty() && !stop.load()) {
    progress.message("Looking at running programs ...");
    findRunningPrograms(scope.procRoot, recognizer, report.findings, report.notInspected, &stop);
  }

  // Content: the homes, and share folders outside them.
  std::vector<std::string> roots;
  for (const auto& home : scope.homes)
    if (isDirectory(home)) roots.push_back(home);
  for (const auto& share : shareFolders) {
    if (std::none_of(roots.begin(), roots.end(), [&](const std::string& r) { return r == share || below(share, r); }))
      roots.push_back(share);
  }
  auto config = scan::ScanConfig::fromPolicy(policy.contentScan);
  config.exclude.insert(config.exclude.end(), scope.exclude.begin(), scope.exclude.end());
  if (scope.threads > 0) config.threads = scope.threads;
  config.stateDir.clear();  // never leave a cache on the inspected PC
  config.fingerprintSets = scope.sets.fingerprints;
  config.edmSets = scope.sets.edm;
  // The employee's files are parsed by mamori-extract workers from the tool's folder, confined.
  config.sandbox = drivers::makeExtractionLauncher();

  if (!stop.load()) {
    progress.message("Counting files ...");
    std::int64_t files = 0;
    std::int64_t bytes = 0;
    countFiles(roots, config.exclude, files, bytes, stop);
    progress.setTotals(files, bytes);
    progress.message("Scanning " + std::to_string(files) + " files (" + humanBytes(bytes) +
                     ") for company content ...");
  }
  scan::ContentScanner scanner(config);
  scanner.setProgress([&](const std::string& path, std::int64_t bytesRead) { progress.file(path, bytesRead); });
  auto summary = stop.load()
                     ? common::Result<scan::ScanSummary>(scan::ScanSummary{})
                     : scanner.run(
                           roots,
                           [&](const scan::FileResult& result) {
                             for (const auto& n : result.notInspected) {
                               report.notInspected.push_back(
                                   {n.location.empty() ? result.path : result.path + "!" + n.location, n.reason});
                             }
                             if (result.hits.empty()) return;
                             std::vector<std::string> reasons;
                             for (const auto& hit : result.hits) reasons.push_back(hitText(hit));
                             const std::string* share = shareContaining(result.path, shareFolders);
                             if (share != nullptr)
                               reasons.insert(reasons.begin(), "inside the P2P share/download folder " + *share);
                             auto finding = makeFinding(
                                 share != nullptr ? FindingKind::kCompanyFileInShare : FindingKind::kCompanyFile,
                                 result.path, std::move(reasons));
                             finding.sha256 = result.sha256;
                             finding.size = result.size;
                             report.findings.push_back(std::move(finding));
                           },
                           &stop);
  progress.finish();
  if (!summary) {
    report.notInspected.push_back({"(content scan)", summary.error().describe()});
  } else {
    report.run.filesScanned = summary.value().files;
    report.run.bytesRead = summary.value().bytesRead;
  }
  report.run.interrupted = stop.load();
  std::sort(report.findings.begin(), report.findings.end(), findingBefore);
  // A very long list of unreadable files (a normal user scanning /home) stays readable.
  constexpr std::size_t kMaxNotInspected = 5000;
  if (report.notInspected.size() > kMaxNotInspected) {
    const auto dropped = report.notInspected.size() - kMaxNotInspected;
    report.notInspected.resize(kMaxNotInspected);
    report.notes.push_back(std::to_string(dropped) + " more places could not be inspected (list cut at " +
                           std::to_string(kMaxNotInspected) + ")");
  }
}

}  // namespace mamori::inspect
