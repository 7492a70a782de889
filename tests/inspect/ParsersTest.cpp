// Pure parsers of the inspection tool: P2P clients' configuration files and the plan file; good
// files, and hostile ones that must give an error (never a crash).

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "inspect/ClientConfigParsers.h"
#include "inspect/PlanFile.h"

using namespace mamori::inspect;

namespace {
const char* const kHome = "/home/taro";
}

TEST_CASE("transmission settings.json: download and incomplete folders, ~ expanded") {
  auto f = parseTransmissionSettings(R"({"download-dir": "~/Torrents/", "incomplete-dir": "/data/part",
    "incomplete-dir-enabled": true, "watch-dir": "/w", "rpc-port": 9091})",
                                     kHome);
  REQUIRE(f.ok());
  CHECK(f.value() == Folders{"/home/taro/Torrents", "/data/part"});
  auto disabled = parseTransmissionSettings(R"({"download-dir": "/d", "incomplete-dir": "/i",
    "incomplete-dir-enabled": false, "watch-dir": "/w", "watch-dir-enabled": true})",
                                            kHome);
  REQUIRE(disabled.ok());
  CHECK(disabled.value() == Folders{"/d", "/w"});
}

TEST_CASE("transmission settings.json: hostile input is an error") {
  for (const char* bad : {"", "[", "{\"download-dir\": ", "[1,2]", "{\"a\":1}{", "\xff\xfe"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseTransmissionSettings(bad, kHome).ok());
  }
  auto wrongType = parseTransmissionSettings(R"({"download-dir": 5})", kHome);
  REQUIRE(wrongType.ok());
  CHECK(wrongType.value().empty());
}

TEST_CASE("qBittorrent.conf: DefaultSavePath, TempPath only when enabled, legacy keys, Qt quoting") {
  auto f = parseQbittorrentConf(
      "[BitTorrent]\r\nSession\\DefaultSavePath=/home/taro/qbt\r\nSession\\TempPath=/tmp/qbt\r\n"
      "Session\\TempPathEnabled=false\r\n[Preferences]\nDownloads\\SavePath=\"/mnt/with \\\"quote\\\"\"\n",
      kHome);
  REQUIRE(f.ok());
  CHECK(f.value() == Folders{"/home/taro/qbt", "/mnt/with \"quote\""});
  auto enabled = parseQbittorrentConf("[BitTorrent]\nSession\\TempPathEnabled=true\nSession\\TempPath=/t\n", kHome);
  REQUIRE(enabled.ok());
  CHECK(enabled.value() == Folders{"/t"});
  CHECK_FALSE(parseQbittorrentConf("[BitTorrent\nSession\\DefaultSavePath=/x\n", kHome).ok());
}

TEST_CASE("aria2.conf: dir= lines, comments ignored") {
  auto f = parseAria2Conf("# dir=/commented\ndir=~/aria\n max-connection-per-server=4\ndir = /second\n", kHome);
  REQUIRE(f.ok());
  CHECK(f.value() == Folders{"/home/taro/aria", "/second"});
  auto none = parseAria2Conf("continue=true\n", kHome);
  REQUIRE(none.ok());
  CHECK(none.value().empty());
}

TEST_CASE("Deluge core.conf: header object then settings") {
  auto f = parseDelugeCoreConf(R"({
  "file": 1,
  "format": 1
}{
  "download_location": "/home/taro/Downloads",
  "move_completed": true,
  "move_completed_path": "/home/taro/done {braces}",
  "copy_torrent_file": false,
  "torrentfiles_location": "/nope"
})",
                               kHome);
  REQUIRE(f.ok());
  CHECK(f.value() == Folders{"/home/taro/Downloads", "/home/taro/done {braces}"});
  for (const char* bad : {"", "{", "{\"file\": 1}", "{\"file\": 1}[]", "{\"file\": \"}\"}{", "}}}}"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseDelugeCoreConf(bad, kHome).ok());
  }
}

TEST_CASE("amule.conf: IncomingDir and TempDir of [eMule]") {
  auto f = parseAmuleConf(
      "[eMule]\nNick=x\nIncomingDir=/home/taro/.aMule/Incoming\nTempDir=/home/taro/.aMule/Temp\n"
      "[Other]\nIncomingDir=/ignored\n",
      kHome);
  REQUIRE(f.ok());
  CHECK(f.value() == Folders{"/home/taro/.aMule/Incoming", "/home/taro/.aMule/Temp"});
}

TEST_CASE("plan file: decisions by finding id") {
  auto plan = parsePlan(
      "# staff and owner agreed\ndelete 0123456789ab\n  quarantine abcdefabcdef  # the docx\n"
      "keep 111111111111\n\ndelete 0123456789ab\n");
  REQUIRE(plan.ok());
  CHECK(plan.value().size() == 3);
  CHECK(plan.value().at("0123456789ab") == Decision::kDelete);
  CHECK(plan.value().at("abcdefabcdef") == Decision::kQuarantine);
  CHECK(plan.value().at("111111111111") == Decision::kKeep);
}

TEST_CASE("plan template: a hostile file name stays in its comment and shows as markers") {
  // A file named so that an editor that takes a lone CR for a line break (and saves it as LF) shows a
  // second command, with an escape sequence and a direction override for whoever reads the plan.
  std::vector<Finding> findings(2);
  findings[0] = makeFinding(FindingKind::kCompanyFile,
                            "/home/taro/a\rdelete 222222222222\ndelete 333333333333\x1b[2J\xe2\x80\xae.docx", {"rule"});
  findings[0].id = "111111111111";
  findings[0].canDelete = findings[0].canQuarantine = true;
  findings[1] = makeFinding(FindingKind::kCompanyFile, "/home/taro/b.docx", {"rule"});
  findings[1].id = "222222222222";
  findings[1].canDelete = findings[1].canQuarantine = true;
  const std::string text = planTemplate(findings);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\xe2\x80\xae") == std::string::npos);
  CHECK(text.find("a<U+000D>delete 222222222222<U+000A>delete 333333333333<U+001B>[2J<U+202E>.docx\n") !=
        std::string::npos);
  // Every line but the header is one "keep" of its own, also where CR ends a line.
  std::string asSaved = text;
  std::replace(asSaved.begin(), asSaved.end(), '\r', '\n');
  auto plan = parsePlan(asSaved);
  REQUIRE(plan.ok());
  CHECK(plan.value() == Plan{{"111111111111", Decision::kKeep}, {"222222222222", Decision::kKeep}});
}

TEST_CASE("plan file: bad input names the line") {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const auto& c : {Case{"erase 0123456789ab\n", "unknown action"}, Case{"delete\n", "one word"},
                        Case{"delete /home/taro/secret.docx\n", "not a finding id"},
                        Case{"delete 0123\n", "not a finding id"}, Case{"delete 0123456789AB\n", "not a finding id"},
                        Case{"keep 0123456789ab\ndelete 0123456789ab\n", "two different decisions"}}) {
    CAPTURE(c.text);
    auto plan = parsePlan(c.text);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().message.find(c.message) != std::string::npos);
    CHECK(plan.error().where.rfind("line ", 0) == 0);
  }
  CHECK(parsePlan("keep 0123456789ab\nquarantine 0123456789ab\n").error().where == "line 2");
  CHECK_FALSE(parsePlan(std::string(5U << 20U, '#')).ok());
}
