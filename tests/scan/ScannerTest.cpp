// The whole scanner over the generated fixture tree (make_fixtures.py): every expectation line, the
// incremental cache, excludes, symbolic links and the command line's options.
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include "agent/app/ScanCommand.h"
#include "drivers/linux/LinuxSandbox.h"
#include "scan/ContentScanner.h"
#include "scan/ResultFormat.h"
#include "tests/scan/ScanTestSupport.h"
#include "tests/support/Split.h"

using namespace mamori::scan;
using namespace mamori::scan::test;

namespace {

struct Fixtures {
  TempDir dir;
  std::string root;
  Fixtures() : root(dir.path() + "/tree") {
    const std::string command = std::string(MAMORI_SCAN_FIXTURE_COMMAND) + " '" + root + "'";
    REQUIRE(std::system(command.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe): single-threaded test
  }
};

std::map<std::string, FileResult> scanTree(const ScanConfig& config, const std::string& root,
                                           ScanSummary* summary = nullptr) {
  std::map<std::string, FileResult> results;
  ContentScanner scanner(config);
  auto run = scanner.run({root}, [&](const FileResult& r) { results[r.path.substr(root.size() + 1)] = r; });
  REQUIRE(run.ok());
  if (summary != nullptr) *summary = run.value();
  return results;
}

std::vector<std::string> split(const std::string& s, char sep) { return mamori::testsupport::splitNonEmpty(s, sep); }

}  // namespace

TEST_CASE("every generated fixture gives its expected result") {
  Fixtures fx;
  auto config = builtinConfig();
  config.threads = 2;
  const auto results = scanTree(config, fx.root);
  const std::string expected = readFile(fx.root + "/expected.tsv");
  int lines = 0;
  for (const auto& line : split(expected, '\n')) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    const std::string path = line.substr(0, tab1);
    const auto matches = split(line.substr(tab1 + 1, tab2 - tab1 - 1), ',');
    const auto reasons = split(line.substr(tab2 + 1), ',');
    ++lines;
    CAPTURE(path);
    const auto it = results.find(path);
    if (matches.empty() && reasons.empty()) {
      CHECK_MESSAGE(it == results.end(), (it != results.end() ? resultJson(it->second) : ""));
      continue;
    }
    REQUIRE(it != results.end());
    const FileResult& r = it->second;
    std::set<std::string> names;
    for (const auto& hit : r.hits) names.insert(hit.name);
    CHECK(names == std::set<std::string>(matches.begin(), matches.end()));
    for (const auto& reason : reasons) {
      bool found = false;
      for (const auto& skip : r.notInspected) found = found || skip.reason.find(reason) != std::string::npos;
      CHECK_MESSAGE(found, reason);
    }
    if (reasons.empty()) CHECK(r.notInspected.empty());
    CHECK(r.sha256.size() == 64);
  }
  CHECK(lines == 72);
  // The container path says where inside the file the text was.
  CHECK(results.at("archive/backup.zip").hits.at(0).location == "plan.docx!word/document.xml");
  CHECK(results.at("archive/nested.zip").hits.at(0).location == "inner.zip!secret.txt");
  CHECK(results.at("office/cards.xlsx").hits.at(0).count == 4);
  // Archives read through libarchive keep the same container paths, nested ones included.
  CHECK(results.at("archive/outer.7z").hits.at(0).location == "dir/inner.zip!sheet.xlsx!xl/sharedStrings.xml");
  CHECK(results.at("archive/image.iso").hits.at(0).location == "資料/plan.docx!word/document.xml");
  CHECK(results.at("archive/memo.txt.xz").hits.at(0).location == "data");  // xz keeps no name
  CHECK(results.at("archive/docs.rar").hits.at(0).location == "docs/secret.txt");
  CHECK(results.at("archive/cards.tar.xz").hits.at(0).count == 4);
  CHECK(results.at("archive/encrypted.7z").notInspected.at(0).location == "secret.txt");
  // Mail: bodies, the decoded headers, attachments by their RFC 2231 names, nested containers, mbox.
  CHECK(results.at("mail/japanese.eml").hits.at(0).location == "body.txt");
  CHECK(results.at("mail/subject_only.eml").hits.at(0).location == "headers");
  CHECK(results.at("mail/cards_attachment.eml").hits.at(0).location == "顧客一覧.xlsx!xl/sharedStrings.xml");
  CHECK(results.at("mail/nested_zip.eml").hits.at(0).location == "a.zip!sheet.xlsx!xl/sharedStrings.xml");
  CHECK(results.at("mail/forwarded.eml").hits.at(0).location == "attached-2.eml!body.txt");
  CHECK(results.at("mail/html.eml").hits.at(0).location == "body.html");
  CHECK(results.at("mail/inbox.mbox").hits.at(0).location == "message-2.eml!body.txt");
  CHECK(results.at("text/mynumbers.txt").hits.at(0).count == 3);
}

namespace {

// This process's children running program (prestarted workers), found in /proc.
int childrenRunning(const std::string& program) {
  int found = 0;
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code error;
    if (std::filesystem::read_symlink(entry.path() / "exe", error) != program || error) continue;
    const std::string stat = readFile(entry.path().string() + "/stat");
    const auto fields = split(stat.substr(stat.rfind(')') + 2), ' ');
    if (fields.size() > 1 && fields[1] == self) ++found;
  }
  return found;
}

// Polls done for up to 10 s.
bool waitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 1000 && !done(); ++i) ::usleep(10000);
  return done();
}

}  // namespace

TEST_CASE("with the extraction sandbox (the real workers) every fixture gives the same result") {
  Fixtures fx;
  auto config = builtinConfig();
  config.threads = 2;
  const auto inProcess = scanTree(config, fx.root);
  // mamori-extract alone, then the pair the programs start (docs/decisions/0062): mamori-extract-light,
  // and mamori-extract for the archives only libarchive reads, nested ones handed on part-way; then the
  // pair with a light worker started ahead, as the scan command does (second addendum).
  const std::vector<std::string> args{"--user", "nobody"};
  auto full = std::make_shared<mamori::drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_BIN, args);
  auto pair = std::make_shared<mamori::drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_LIGHT_BIN, args, full);
  auto ahead = std::make_shared<mamori::drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_LIGHT_BIN, args, full);
  for (const std::shared_ptr<mamori::drivers::LinuxSandboxLauncher>& launcher : {full, pair, ahead}) {
    CAPTURE(launcher == pair);
    CAPTURE(launcher == ahead);
    if (launcher == ahead) {
      launcher->prestart(1);
      REQUIRE(waitUntil([&] { return launcher->waiting() == 1; }));
      CHECK(childrenRunning(MAMORI_EXTRACT_LIGHT_BIN) == 1);
    }
    config.sandbox = launcher;
    const auto sandboxed = scanTree(config, fx.root);
    CHECK(launcher->waiting() == 0);                        // a scan thread took it (the other started its own)
    CHECK(childrenRunning(MAMORI_EXTRACT_LIGHT_BIN) == 0);  // every worker stopped with the scan
    REQUIRE(sandboxed.size() == inProcess.size());
    // The element, not a structured binding, goes to CAPTURE (a lambda): clang before 16 cannot capture a binding.
    for (const auto& entry : inProcess) {
      const auto& [path, result] = entry;
      CAPTURE(entry.first);
      REQUIRE(sandboxed.count(path) == 1);
      CHECK(resultJson(sandboxed.at(path)) == resultJson(result));
    }
  }
}

TEST_CASE("a scan needs a worker from its start when one of the first files is a document the light worker parses") {
  TempDir dir;
  const std::vector<std::string> exclude;
  const std::string zip = std::string("PK\x03\x04", 4) + std::string(60, '\0');  // what sniffFileType calls a zip
  auto tree = [&](const std::string& name, int files, const std::string& content) {
    std::string root = dir.path() + "/" + name;
    std::filesystem::create_directories(root + "/sub");
    for (int i = 0; i < files; ++i) writeFile(root + "/sub/f" + std::to_string(i), content);
    return root;
  };
  CHECK_FALSE(ContentScanner::firstFilesNeedExtraction({tree("text", 20, "plain text")}, exclude));
  CHECK_FALSE(ContentScanner::firstFilesNeedExtraction({tree("empty", 0, "")}, exclude));
  // A tar is the full worker's, which is not started ahead.
  CHECK_FALSE(ContentScanner::firstFilesNeedExtraction({tree("tars", 3, tarOf({{"a", "b"}}))}, exclude));
  const std::string zips = tree("zips", 3, zip);
  CHECK(ContentScanner::firstFilesNeedExtraction({zips}, exclude));
  CHECK_FALSE(ContentScanner::firstFilesNeedExtraction({zips}, {"*/sub/*"}));    // excluded files are not looked at
  CHECK(ContentScanner::firstFilesNeedExtraction({zips + "/sub/f0"}, exclude));  // a root that is a file
  CHECK(ContentScanner::firstFilesNeedExtraction({"/nonexistent", zips}, exclude));
}

TEST_CASE("prestarted workers never taken are stopped with their launcher") {
  {
    auto unused = std::make_shared<mamori::drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_LIGHT_BIN,
                                                                          std::vector<std::string>{"--user", "nobody"});
    unused->prestart(2);
    REQUIRE(waitUntil([&] { return unused->waiting() == 2; }));
    CHECK(childrenRunning(MAMORI_EXTRACT_LIGHT_BIN) == 2);
  }
  // Killed and reaped with the launcher (no zombie left either).
  CHECK(childrenRunning(MAMORI_EXTRACT_LIGHT_BIN) == 0);
}

TEST_CASE("the cache answers for unchanged files and notices changes") {
  Fixtures fx;
  TempDir state;
  auto config = builtinConfig();
  config.stateDir = state.path();
  ScanSummary first;
  const auto cold = scanTree(config, fx.root, &first);
  CHECK(first.cacheHits == 0);
  ScanSummary second;
  const auto warm = scanTree(config, fx.root, &second);
  CHECK(second.filesRead == 0);
  CHECK(second.cacheHits == first.files);
  CHECK(warm.size() == cold.size());
  CHECK(warm.at("office/split_runs.docx").fromCache);
  CHECK(warm.at("office/split_runs.docx").sha256 == cold.at("office/split_runs.docx").sha256);
  // A changed file is read again; a new rule set invalidates everything.
  writeFile(fx.root + "/text/clean.txt", "now 社外秘\n");
  ScanSummary third;
  const auto changed = scanTree(config, fx.root, &third);
  CHECK(third.filesRead == 1);
  CHECK(changed.count("text/clean.txt") == 1);
  config.myNumber.minCount = 4;
  ScanSummary fourth;
  const auto refreshed = scanTree(config, fx.root, &fourth);
  CHECK(fourth.cacheHits == 0);
  CHECK(refreshed.count("text/mynumbers.txt") == 0);  // 3 numbers < min_count 4
}

TEST_CASE("the cache file written again keeps the entries it read, drops removed files, replaces changed ones") {
  TempDir dir;
  TempDir state;
  writeFile(dir.file("a/hit.txt"), "社外秘");
  writeFile(dir.file("a/clean.txt"), "nothing here");
  writeFile(dir.file("b/gone.txt"), "社外秘 too");
  writeFile(dir.file("b/changed.txt"), "plain");
  auto config = builtinConfig();
  config.stateDir = state.path();
  ScanSummary first;
  scanTree(config, dir.path(), &first);
  CHECK(first.filesRead == 4);
  const std::string cacheFile = state.file("scan-cache.bin");
  std::unordered_map<std::string, std::pair<FileIdentity, FileResult>> before;
  REQUIRE(ScanCache::decode(readFile(cacheFile), config.fingerprint(), before));
  CHECK(before.size() == 4);
  // Unchanged: answered without a read and the file is not written again.
  struct stat st {};
  REQUIRE(::stat(cacheFile.c_str(), &st) == 0);
  const auto inode = st.st_ino;
  ScanSummary second;
  const auto warm = scanTree(config, dir.path(), &second);
  CHECK(second.cacheHits == 4);
  CHECK(second.filesRead == 0);
  CHECK(second.filesWithHits == 2);
  CHECK(warm.at("a/hit.txt").fromCache);
  CHECK(warm.at("a/hit.txt").hits.size() == before.at(dir.file("a/hit.txt")).second.hits.size());
  REQUIRE(::stat(cacheFile.c_str(), &st) == 0);
  CHECK(st.st_ino == inode);
  // One removed, one changed: the other two entries are kept as they were.
  std::filesystem::remove(dir.file("b/gone.txt"));
  writeFile(dir.file("b/changed.txt"), "now 社外秘");
  ScanSummary third;
  const auto changed = scanTree(config, dir.path(), &third);
  CHECK(third.filesRead == 1);
  CHECK(third.cacheHits == 2);
  CHECK(changed.count("b/changed.txt") == 1);
  std::unordered_map<std::string, std::pair<FileIdentity, FileResult>> after;
  REQUIRE(ScanCache::decode(readFile(cacheFile), config.fingerprint(), after));
  CHECK(after.size() == 3);
  CHECK(after.count(dir.file("b/gone.txt")) == 0);
  CHECK_FALSE(after.at(dir.file("b/changed.txt")).second.hits.empty());
  for (const char* kept : {"a/hit.txt", "a/clean.txt"}) {
    CAPTURE(kept);
    const auto& was = before.at(dir.file(kept));
    const auto& is = after.at(dir.file(kept));
    CHECK(is.first == was.first);
    CHECK(resultJson(is.second) == resultJson(was.second));
  }
  // The written file answers the next run for every file.
  ScanSummary fourth;
  scanTree(config, dir.path(), &fourth);
  CHECK(fourth.cacheHits == 3);
  CHECK(fourth.filesRead == 0);
}

TEST_CASE("a part whose YARA time budget ran out is listed as timed out, and the file is not cached") {
  TempDir dir;
  TempDir state;
  writeFile(dir.file("a.txt"), "plain text");
  auto config = builtinConfig();
  REQUIRE_FALSE(config.ruleSets.empty());
  config.stateDir = state.path();
  config.fileTimeoutSeconds = 0;  // the budget is spent before the first rule set runs
  ScanSummary first;
  const auto results = scanTree(config, dir.path(), &first);
  REQUIRE(results.count("a.txt") == 1);
  const auto& skipped = results.at("a.txt").notInspected;
  REQUIRE_FALSE(skipped.empty());
  CHECK(skipped.at(0).kind == mamori::common::ErrorKind::kTimedOut);
  CHECK_FALSE(results.at("a.txt").cacheable);
  ScanSummary second;
  scanTree(config, dir.path(), &second);
  CHECK(second.cacheHits == 0);
  CHECK(second.filesRead == 1);
}

TEST_CASE("a damaged cache file is ignored, then replaced") {
  TempDir dir;
  TempDir state;
  writeFile(dir.file("a.txt"), "社外秘");
  writeFile(state.file("scan-cache.bin"), "mamori-scan-cache-1\n\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F garbage");
  auto config = builtinConfig();
  config.stateDir = state.path();
  ScanSummary summary;
  CHECK(scanTree(config, dir.path(), &summary).size() == 1);
  CHECK(summary.filesRead == 1);
  scanTree(config, dir.path(), &summary);
  CHECK(summary.cacheHits == 1);
}

TEST_CASE("excludes prune, symbolic links are not followed, unreadable files are listed") {
  TempDir dir;
  writeFile(dir.file("keep/a.txt"), "社外秘");
  writeFile(dir.file("skip/.cache/b.txt"), "社外秘");
  TempDir outside;
  writeFile(outside.file("c.txt"), "社外秘");
  REQUIRE(::symlink(outside.path().c_str(), dir.file("link").c_str()) == 0);
  REQUIRE(::symlink(outside.file("c.txt").c_str(), dir.file("keep/c-link.txt").c_str()) == 0);
  auto config = builtinConfig();
  config.exclude = {"*/.cache/*"};
  const auto results = scanTree(config, dir.path());
  CHECK(results.size() == 1);
  CHECK(results.count("keep/a.txt") == 1);
  if (::geteuid() != 0) {  // root reads anything
    writeFile(dir.file("keep/locked.txt"), "x");
    ::chmod(dir.file("keep/locked.txt").c_str(), 0);
    const auto again = scanTree(config, dir.path());
    REQUIRE(again.count("keep/locked.txt") == 1);
    CHECK(again.at("keep/locked.txt").notInspected.at(0).reason.find("cannot open") != std::string::npos);
  }
}

TEST_CASE("files over max_file_bytes are listed, not read") {
  TempDir dir;
  writeFile(dir.file("big.txt"), std::string(4096, 'a'));
  auto config = builtinConfig();
  config.maxFileBytes = 1024;
  const auto results = scanTree(config, dir.path());
  REQUIRE(results.count("big.txt") == 1);
  CHECK(results.at("big.txt").notInspected.at(0).reason.find("max_file_bytes") != std::string::npos);
}

TEST_CASE("scan command line") {
  using mamori::agent::parseScanOptions;
  auto ok = parseScanOptions({"--json", "--threads", "4", "--rules", "r.yar", "/home", "/srv"});
  REQUIRE(ok.ok());
  CHECK(ok.value().json);
  CHECK(ok.value().threads == 4);
  CHECK(ok.value().rulesFile == "r.yar");
  CHECK(ok.value().paths.size() == 2);
  CHECK_FALSE(parseScanOptions({}).ok());
  CHECK_FALSE(parseScanOptions({"--threads", "33", "/x"}).ok());
  CHECK_FALSE(ok.value().cpuLimit);  // full speed unless asked
  CHECK(parseScanOptions({"--cpu-limit", "25", "/x"}).value().cpuLimit == 25);
  CHECK_FALSE(parseScanOptions({"--cpu-limit", "0", "/x"}).ok());
  CHECK_FALSE(parseScanOptions({"--cpu-limit", "101", "/x"}).ok());
  CHECK_FALSE(parseScanOptions({"--bogus", "/x"}).ok());
  CHECK(parseScanOptions({"--help"}).value().help);
}

TEST_CASE("mamori-agent scan --state-dir keeps a policy's compiled rules and rebuilds a damaged copy") {
  Fixtures fx;
  TempDir state;
  // The built-in policy as a file: parsed by every run (the built-in one is parsed once per process).
  const std::string policyFile = state.file("policy.json");
  writeFile(policyFile, mamori::policy::builtinPolicyText());
  // The command as a user runs it; its findings (stdout) in a stable order, without the summary.
  auto run = [&] {
    const std::vector<std::string> words = {"--json",      "--no-sandbox", "--policy",       policyFile,
                                            "--state-dir", state.path(),   fx.root + "/text"};
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    const int code = mamori::agent::runScanCommand("mamori-agent scan", words);
    std::cout.rdbuf(old);
    CHECK(code == mamori::agent::kScanExitMatches);
    auto lines = split(captured.str(), '\n');
    std::erase_if(lines, [](const std::string& line) { return line.rfind("{\"summary\"", 0) == 0; });
    std::sort(lines.begin(), lines.end());
    std::string findings;
    for (const auto& line : lines) findings += line + "\n";
    return findings;
  };
  auto kept = [&] {
    std::map<std::string, ino_t> files;
    for (const auto& entry : std::filesystem::directory_iterator(state.path())) {
      if (entry.path().extension() == ".yarc") {
        struct stat st {};
        REQUIRE(::stat(entry.path().c_str(), &st) == 0);
        files[entry.path().string()] = st.st_ino;
      }
    }
    return files;
  };
  const std::string first = run();
  const auto compiled = kept();
  REQUIRE_FALSE(compiled.empty());  // the policy's content rules
  CHECK(first.find("confidential_marking_ja") != std::string::npos);
  // Loaded, not compiled and written again: the same files.
  std::filesystem::remove(state.path() + "/scan-cache.bin");  // every file is read again
  const std::string second = run();
  CHECK(kept() == compiled);
  CHECK(second == first);
  // One copy damaged: not loaded, compiled again and replaced; the findings do not change.
  const std::string damaged = compiled.begin()->first;
  std::string bytes = readFile(damaged);
  bytes[bytes.size() / 2] ^= 0x01;
  writeFile(damaged, bytes);
  std::filesystem::remove(state.path() + "/scan-cache.bin");
  const std::string third = run();
  CHECK(third == first);
  const auto rebuilt = kept();
  CHECK(rebuilt.size() == compiled.size());
  CHECK(rebuilt.at(damaged) != compiled.at(damaged));
  CHECK(readFile(damaged) != bytes);
}
