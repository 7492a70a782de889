// The pure parsers: archive formats and encryption by bytes, CUPS control files, hostile samples.
#include <doctest/doctest.h>

#include <string>

#include "agent/activity/ArchiveFormat.h"
#include "agent/activity/CupsControlFile.h"
#include "tests/agent/activity/ActivityTestSupport.h"

using namespace mamori::agent::activity;
using namespace mamori::agent::activity::test;

TEST_CASE("archives: zip, encrypted zip, office documents are not archives") {
  auto plain = identifyArchive(storedZip({{"a.txt", "hello", false}}));
  REQUIRE(plain);
  CHECK(plain->format == "zip");
  CHECK_FALSE(plain->encrypted);
  auto locked = identifyArchive(storedZip({{"a.txt", "hello", false}, {"b.txt", "x", true}}));
  REQUIRE(locked);
  CHECK(locked->encrypted);
  CHECK_FALSE(
      identifyArchive(storedZip({{"[Content_Types].xml", "<Types/>", false}, {"word/document.xml", "x", false}})));
  // Truncated zip: still a zip by its magic, encryption unknown.
  auto truncated = identifyArchive(storedZip({{"a.txt", "hello", true}}).substr(0, 20));
  REQUIRE(truncated);
  CHECK_FALSE(truncated->encrypted);
}

TEST_CASE("archives: 7z with and without the AES coder, rar5 header encryption, rar4 flags, tar, gzip") {
  CHECK(identifyArchive(sevenZip(true))->encrypted);
  CHECK(identifyArchive(sevenZip(true))->format == "7z");
  CHECK_FALSE(identifyArchive(sevenZip(false))->encrypted);
  // 7z whose end-header offset points outside the file: format known, not encrypted, no crash.
  std::string lying = sevenZip(true);
  lying[12] = '\x7f';
  lying[19] = '\x7f';
  CHECK_FALSE(identifyArchive(lying)->encrypted);

  const std::string rar5 = std::string("Rar!\x1A\x07\x01\x00", 8);
  CHECK(identifyArchive(rar5 + std::string("\0\0\0\0\x05\x04", 6))->encrypted);
  CHECK_FALSE(identifyArchive(rar5 + std::string("\0\0\0\0\x05\x01", 6))->encrypted);
  CHECK(identifyArchive(rar5)->format == "rar");
  const std::string rar4 = std::string("Rar!\x1A\x07\x00", 7);
  CHECK(identifyArchive(rar4 + std::string("\0\0\x73\x80\x00\x0d\x00", 7) + std::string(6, '\0'))->encrypted);
  CHECK_FALSE(identifyArchive(rar4 + std::string("\0\0\x73\x00\x00\x0d\x00", 7))->encrypted);

  std::string tar(1024, '\0');
  tar.replace(257, 5, "ustar");
  CHECK(identifyArchive(tar)->format == "tar");
  CHECK(identifyArchive("\x1f\x8b\x08")->format == "gzip");
  CHECK_FALSE(identifyArchive("hello"));
  CHECK_FALSE(identifyArchive(""));
}

TEST_CASE("CUPS control file: user, queue, title, pages") {
  auto job = parseCupsControlFile(controlFile("alice", "plan.pdf", "ipp://localhost:631/printers/office", 7, 3));
  REQUIRE(job);
  CHECK(job.value().jobId == 7);
  CHECK(job.value().user == "alice");
  CHECK(job.value().printer == "office");
  CHECK(job.value().title == "plan.pdf");
  CHECK(job.value().pages == 3);
  auto unknownPages = parseCupsControlFile(controlFile("bob", "x", "ipp://h/printers/q", 8, -1));
  REQUIRE(unknownPages);
  CHECK(unknownPages.value().pages == -1);
}

TEST_CASE("CUPS control file: nameWithLanguage values and hostile input") {
  std::string bytes = std::string("\x02\x00\x00\x00\x00\x00\x00\x01\x02", 9);
  const std::string value = std::string("\x00\x02", 2) + "ja" + std::string("\x00\x05", 2) + "carol";
  bytes += ipp(0x36, "job-originating-user-name", value);
  bytes += "\x03";
  auto job = parseCupsControlFile(bytes);
  REQUIRE(job);
  CHECK(job.value().user == "carol");

  const std::string good = controlFile("alice", "plan.pdf", "ipp://localhost/printers/office", 7, 3);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    auto partial = parseCupsControlFile(good.substr(0, cut));
    CHECK_FALSE(partial);  // every truncation is an error, none a crash
  }
  auto wrongVersion = parseCupsControlFile(std::string("\x09\x00", 2) + good.substr(2));
  REQUIRE_FALSE(wrongVersion);
  CHECK(wrongVersion.error().message.find("IPP version") != std::string::npos);
}
