// The quarantine archive round trip, and what must be refused: a wrong passphrase, an edited or
// truncated archive, paths leaving the output folder. Secure deletion removes files and folders.

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/Files.h"
#include "inspect/ConsentFlow.h"
#include "inspect/Quarantine.h"
#include "inspect/SecureDelete.h"
#include "tests/support/TempDir.h"

using namespace mamori;
using namespace mamori::inspect;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

}  // namespace

TEST_CASE("quarantine: files come back intact with the passphrase, and only with it") {
  testsupport::TempDir dir("inspect-q");
  const std::string big(3 * (1 << 20) + 17, 'x');  // more than one 1 MiB record
  put(dir.file("home/a.docx"), "secret plan");
  put(dir.file("home/big.bin"), big);
  put(dir.file("home/empty"), "");
  const std::string archive = dir.file("q.mqa");
  {
    auto writer = QuarantineWriter::create(archive, "correct horse");
    REQUIRE(writer.ok());
    CHECK(writer.value()->add(dir.file("home/a.docx")).ok());
    CHECK(writer.value()->add(dir.file("home/big.bin")).ok());
    CHECK(writer.value()->add(dir.file("home/empty")).ok());
    CHECK_FALSE(writer.value()->add(dir.file("home/missing")).ok());
    REQUIRE(writer.value()->finish().ok());
  }
  CHECK(slurp(archive).find("secret plan") == std::string::npos);
  auto files = extractQuarantine(archive, "correct horse", dir.file("out"));
  REQUIRE(files.ok());
  CHECK(files.value().size() == 3);
  CHECK(slurp(dir.file("out") + dir.file("home/a.docx")) == "secret plan");
  CHECK(slurp(dir.file("out") + dir.file("home/big.bin")) == big);

  CHECK_FALSE(extractQuarantine(archive, "wrong horse", dir.file("out2")).ok());
  const std::string bytes = slurp(archive);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 1);
  put(dir.file("flipped.mqa"), flipped);
  CHECK_FALSE(extractQuarantine(dir.file("flipped.mqa"), "correct horse", dir.file("out3")).ok());
  put(dir.file("short.mqa"), bytes.substr(0, bytes.size() - 40));  // end marker cut off
  auto truncated = extractQuarantine(dir.file("short.mqa"), "correct horse", dir.file("out4"));
  REQUIRE_FALSE(truncated.ok());
  put(dir.file("junk.mqa"), "MAMORIQ1 but nothing else");
  CHECK_FALSE(extractQuarantine(dir.file("junk.mqa"), "correct horse", dir.file("out5")).ok());
  CHECK_FALSE(QuarantineWriter::create(archive, "another").ok());  // exists; and too short a passphrase
  CHECK_FALSE(QuarantineWriter::create(dir.file("new.mqa"), "short").ok());
}

TEST_CASE("an archive abandoned before finish() is removed") {
  testsupport::TempDir dir("inspect-q");
  put(dir.file("a"), "x");
  {
    auto writer = QuarantineWriter::create(dir.file("q.mqa"), "correct horse");
    REQUIRE(writer.ok());
    CHECK(writer.value()->add(dir.file("a")).ok());
  }
  CHECK_FALSE(common::fileExists(dir.file("q.mqa")));
}

TEST_CASE("secure delete: files and folders are gone; the caveat names the file system's limits") {
  testsupport::TempDir dir("inspect-del");
  put(dir.file("f.txt"), "company data");
  put(dir.file("state/sub/resume.dat"), "torrent state");
  auto file = secureDelete(dir.file("f.txt"));
  REQUIRE(file.ok());
  CHECK(file.value().filesOverwritten == 1);
  CHECK_FALSE(common::fileExists(dir.file("f.txt")));
  auto folder = secureDelete(dir.file("state"));
  REQUIRE(folder.ok());
  CHECK(folder.value().filesOverwritten == 1);
  CHECK_FALSE(common::fileExists(dir.file("state")));
  CHECK_FALSE(secureDelete(dir.file("missing")).ok());
}

TEST_CASE("consent: answers mean decisions; a plan decides without prompts; dry run changes nothing") {
  CHECK(decisionFromAnswer("d") == Decision::kDelete);
  CHECK(decisionFromAnswer(" Quarantine ") == Decision::kQuarantine);
  CHECK(decisionFromAnswer("k") == Decision::kKeep);
  CHECK(decisionFromAnswer("yes") == Decision::kNone);

  testsupport::TempDir dir("inspect-consent");
  put(dir.file("keep.docx"), "a");
  put(dir.file("del.docx"), "b");
  put(dir.file("q.docx"), "c");
  Report report;
  for (const char* name : {"keep.docx", "del.docx", "q.docx"})
    report.findings.push_back(makeFinding(FindingKind::kCompanyFile, dir.file(name), {"rule"}));
  report.findings.push_back(makeFinding(FindingKind::kP2pShareFolder, dir.path(), {"share"}));

  Report dry = report;
  REQUIRE(decideAndApply(dry, ConsentSettings{}).ok());
  CHECK(dry.run.dryRun);
  for (const char* name : {"keep.docx", "del.docx", "q.docx"}) CHECK(common::fileExists(dir.file(name)));

  ConsentSettings settings;
  settings.apply = true;
  settings.plan = Plan{{report.findings[1].id, Decision::kDelete},
                       {report.findings[2].id, Decision::kQuarantine},
                       {report.findings[3].id, Decision::kDelete},
                       {"ffffffffffff", Decision::kDelete}};
  settings.archivePath = dir.file("q.mqa");
  settings.passphrase = [] { return common::Result<std::string>(std::string("correct horse")); };
  REQUIRE(decideAndApply(report, settings).ok());
  CHECK(common::fileExists(dir.file("keep.docx")));
  CHECK_FALSE(common::fileExists(dir.file("del.docx")));
  CHECK_FALSE(common::fileExists(dir.file("q.docx")));
  CHECK(report.findings[0].decision == Decision::kKeep);
  CHECK(report.findings[2].outcome.find("quarantined into") == 0);
  CHECK(report.findings[3].decision == Decision::kNone);  // a share folder offers no action: the plan cannot delete it
  CHECK(common::fileExists(dir.path()));
  bool unknownNoted = false;
  for (const auto& n : report.notes) unknownNoted = unknownNoted || n.find("ffffffffffff") != std::string::npos;
  CHECK(unknownNoted);
  auto back = extractQuarantine(dir.file("q.mqa"), "correct horse", dir.file("back"));
  REQUIRE(back.ok());
  CHECK(back.value().size() == 1);
}

TEST_CASE("consent: a hostile file name is shown as markers on its own line, never as terminal controls") {
  Report report;
  report.findings.push_back(makeFinding(FindingKind::kCompanyFile,
                                        "/home/u/a\n[2/2] high  company file\x1b]0;x\x07\xC2\x9B"
                                        "2J\u202Efdp.exe",
                                        {"rule\r\x1b[2J"}));
  char answers[] = "k\n";
  std::FILE* in = ::fmemopen(answers, sizeof answers - 1, "r");
  std::FILE* out = std::tmpfile();
  REQUIRE(in != nullptr);
  REQUIRE(out != nullptr);
  ConsentSettings settings;
  settings.apply = true;
  settings.in = in;
  settings.out = out;
  REQUIRE(decideAndApply(report, settings).ok());
  std::fflush(out);
  std::rewind(out);
  std::string shown;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) shown.push_back(static_cast<char>(c));
  std::fclose(in);
  std::fclose(out);
  CHECK(shown.find("  /home/u/a<U+000A>[2/2] high  company file<U+001B>]0;x<U+0007><U+009B>2J<U+202E>fdp.exe\n") !=
        std::string::npos);
  CHECK(shown.find("    - rule<U+000D><U+001B>[2J\n") != std::string::npos);
  CHECK(shown.find('\x1b') == std::string::npos);
  CHECK(report.findings[0].decision == Decision::kKeep);
  CHECK(report.findings[0].path.find('\n') != std::string::npos);  // the report keeps the exact name
}
