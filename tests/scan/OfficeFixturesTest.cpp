// Recall and false positives of the whole scanner, through the extraction sandbox, over office files
// that LibreOffice itself wrote (make_office_fixtures.py: every marking place and format, positives
// and negatives), plus Outlook messages from the script's own compound-file writer. The set is made
// once per build tree (soffice takes about a minute) and reused. Password-protected and truncated files
// must be listed as not inspected with their reason.
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "drivers/linux/LinuxSandbox.h"
#include "scan/ContentScanner.h"
#include "scan/ResultFormat.h"
#include "tests/scan/ScanTestSupport.h"
#include "tests/support/Split.h"

using namespace mamori::scan;
using namespace mamori::scan::test;

namespace {

std::vector<std::string> split(const std::string& s, char sep) { return mamori::testsupport::splitNonEmpty(s, sep); }

}  // namespace

TEST_CASE("office files written by LibreOffice: every marking found, nothing found in the negatives") {
  const std::string root = MAMORI_OFFICE_FIXTURE_DIR;
  const std::string command = std::string(MAMORI_OFFICE_FIXTURE_COMMAND) + " '" + root + "'";
  REQUIRE(std::system(command.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe): single-threaded test

  auto config = builtinConfig();
  config.threads = 2;
  // The workers the programs start (docs/decisions/0062): the light one, mamori-extract for what needs
  // libarchive.
  const std::vector<std::string> args{"--user", "nobody"};
  config.sandbox = std::make_shared<mamori::drivers::LinuxSandboxLauncher>(
      MAMORI_EXTRACT_LIGHT_BIN, args,
      std::make_shared<mamori::drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_BIN, args));
  std::map<std::string, FileResult> results;
  ContentScanner scanner(config);
  auto run = scanner.run({root}, [&](const FileResult& r) { results[r.path.substr(root.size() + 1)] = r; });
  REQUIRE(run.ok());

  int expectedHits = 0;
  int foundHits = 0;
  int falsePositives = 0;
  int files = 0;
  int notInspected = 0;
  for (const auto& line : split(readFile(root + "/expected.tsv"), '\n')) {
    const auto tab = line.find('\t');
    const std::string path = line.substr(0, tab);
    const auto tab2 = line.find('\t', tab + 1);
    const auto names = split(line.substr(tab + 1, tab2 - tab - 1), ',');
    const std::string reason = tab2 == std::string::npos ? "" : line.substr(tab2 + 1);
    const std::set<std::string> wanted(names.begin(), names.end());
    ++files;
    CAPTURE(path);
    std::set<std::string> got;
    const auto it = results.find(path);
    if (it != results.end()) {
      for (const auto& hit : it->second.hits) got.insert(hit.name);
      if (reason.empty()) CHECK_MESSAGE(it->second.notInspected.empty(), resultJson(it->second));
    }
    // Password-protected and damaged files are listed as not inspected, with the reason: never clean.
    if (!reason.empty()) {
      REQUIRE_MESSAGE(it != results.end(), "not reported at all");
      bool said = false;
      for (const auto& skip : it->second.notInspected) said = said || skip.reason.find(reason) != std::string::npos;
      CHECK_MESSAGE(said, resultJson(it->second));
      ++notInspected;
    }
    for (const auto& name : wanted) {
      ++expectedHits;
      foundHits += got.count(name) > 0 ? 1 : 0;
    }
    for (const auto& name : got) falsePositives += wanted.count(name) == 0 ? 1 : 0;
    CHECK(got == wanted);
  }
  const double recall = expectedHits == 0 ? 0 : static_cast<double>(foundHits) / expectedHits;
  std::cout << "office fixtures: " << files << " files, recall " << foundHits << "/" << expectedHits << " = " << recall
            << ", false positives " << falsePositives << ", not inspected as expected " << notInspected << "\n"
            << readFile(root + "/timing.txt");
  CHECK(files >= 320);
  CHECK(recall >= 0.98);
  CHECK(falsePositives == 0);
  // Attachments are opened where they are: the message's path, then the part inside the document.
  REQUIRE(results.count("m_attachment.msg") == 1);
  CHECK(results.at("m_attachment.msg").hits.at(0).location == "report.docx!word/document.xml");
  REQUIRE(results.count("m_forwarded.msg") == 1);  // a message attached as a message, named by its display name
  CHECK(results.at("m_forwarded.msg").hits.at(0).location == "人事.msg");
  // A chart is an object embedded in the .doc (a package in its ObjectPool) and in the .ppt (a
  // compressed compound file of its own): its title is read there.
  REQUIRE(results.count("w_chart_ja.doc") == 1);
  CHECK(results.at("w_chart_ja.doc").hits.at(0).location.rfind("ObjectPool/", 0) == 0);
  REQUIRE(results.count("i_chart_ja.ppt") == 1);
  CHECK(results.at("i_chart_ja.ppt").hits.at(0).location.rfind("object-1!", 0) == 0);
  // Objects inside objects and files inside files are named by their container path.
  const auto at = [&](const std::string& file) {
    REQUIRE_MESSAGE(results.count(file) == 1, file);
    REQUIRE_MESSAGE(!results.at(file).hits.empty(), file);
    return results.at(file).hits.at(0).location;
  };
  CHECK(at("w_object_writer_ja.doc").rfind("ObjectPool/_", 0) == 0);  // a Word document in the .doc's ObjectPool
  CHECK(at("w_object_nested_ja.doc").rfind("ObjectPool/_1000/ObjectPool/_", 0) == 0);
  CHECK(at("c_object_writer_ja.xls").rfind("MBD", 0) == 0);
  CHECK(at("w_object_package_ja.doc").find("/plan.zip!plan/memo.txt") != std::string::npos);
  CHECK(at("w_object_package_ja.docx") == "word/embeddings/oleObject1.bin!plan.zip!plan/memo.txt");
  CHECK(at("p_attach_docx_ja.pdf") == "報告書.docx!word/document.xml");
  CHECK(at("m_msg_in_eml.eml") == "meeting.msg!report.docx!word/document.xml");
  CHECK(at("m_ole_document.msg") == "文書");
  CHECK(at("m_tnef_attachment_ja.eml") == "winmail.dat!報告書.docx!word/document.xml");
  CHECK(at("a_report_ja.7z") == "報告書.docx!word/document.xml");  // a name not in ASCII, from libarchive
  // a document attached to a rich-text mail as an OLE object
  CHECK(at("w_rtf_object_package_ja.rtf") == "plan.zip!plan/memo.txt");
  CHECK(at("w_zip_member_ja.docx") == "word/embeddings/archive.zip!data/sheet.xlsx!xl/sharedStrings.xml");
}
