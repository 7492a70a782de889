// The finders over a generated home: P2P clients' folders and the folders their configuration names,
// Windows clients inside a Wine prefix, programs recognised by name and by the libraries they need.

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "common/Crypto.h"
#include "inspect/ClientStateFinder.h"
#include "inspect/FileAccess.h"
#include "inspect/P2pRecognizer.h"
#include "inspect/ProgramFinder.h"
#include "policy/DefaultPolicy.h"
#include "tests/support/MiniPe.h"
#include "tests/support/TempDir.h"

using namespace mamori;
using namespace mamori::inspect;

namespace {

void put(const std::string& path, const std::string& data, bool executable = false) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
  if (executable) ::chmod(path.c_str(), 0755);
}

bool hasFinding(const std::vector<Finding>& findings, FindingKind kind, const std::string& path) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.kind == kind && f.path == path; });
}

}  // namespace

TEST_CASE("client state: configuration folders, the folders they name, defaults, Wine prefixes") {
  testsupport::TempDir dir("inspect-finders");
  const std::string home = dir.file("home");
  put(home + "/.config/aria2/aria2.conf", "dir=" + home + "/aria-downloads\n");
  put(home + "/.config/deluge/core.conf",
      "{\"file\": 1, \"format\": 1}{\"download_location\": \"~/deluge-in\", \"move_completed\": false}");
  put(home + "/.config/qBittorrent/qBittorrent.conf", "[LegalNotice]\nAccepted=true\n");  // no save path: default
  put(home + "/.aMule/amule.conf", "[eMule]\nIncomingDir=" + home + "/.aMule/Incoming\n");
  put(home + "/.config/transmission/settings.json", "{ not json");
  put(home + "/.wine/drive_c/Program Files/Winny/Winny.exe", "MZ\x90");
  put(home + "/.wine/drive_c/users/taro/Documents/Share/readme.txt", "a folder called Share is not Share");

  ClientStateResult result;
  findClientState(home, result);
  for (const char* state : {"/.config/aria2", "/.config/deluge", "/.config/qBittorrent", "/.aMule",
                            "/.config/transmission", "/.wine/drive_c/Program Files/Winny"}) {
    CAPTURE(state);
    CHECK(hasFinding(result.findings, FindingKind::kP2pClientState, home + state));
  }
  CHECK_FALSE(
      hasFinding(result.findings, FindingKind::kP2pClientState, home + "/.wine/drive_c/users/taro/Documents/Share"));
  std::vector<std::string> shares;
  for (const auto& s : result.shareFolders) shares.push_back(s.path);
  for (const char* share : {"/aria-downloads", "/deluge-in", "/Downloads", "/.aMule/Incoming"}) {
    CAPTURE(share);
    CHECK(std::find(shares.begin(), shares.end(), home + share) != shares.end());
  }
  // The broken settings.json is reported as not inspected, with what is wrong.
  REQUIRE(result.skipped.size() == 1);
  CHECK(result.skipped[0].path == home + "/.config/transmission/settings.json");
  CHECK(result.skipped[0].reason.find("does not parse") != std::string::npos);
}

TEST_CASE("programs: a Windows client in a Wine prefix by name; innocent executables are not findings") {
  testsupport::TempDir dir("inspect-programs");
  const std::string home = dir.file("home");
  put(home + "/.wine/drive_c/Program Files/Winny/Winny.exe", "MZ\x90 not really a program");
  put(home + "/Downloads/qBittorrent-4.6.0-x86_64.AppImage",
      "\x7f"
      "ELF squashfs payload",
      true);
  put(home + "/.local/bin/backup.sh", "#!/bin/sh\necho backup\n", true);
  put(home + "/Downloads/photo.jpg", "\xff\xd8\xff", false);
  // A renamed copy known by its version resource (pieces joined at run time: the test binary must not
  // look like the client); an ordinary Windows program with its own resource is no finding.
  const std::string winny = std::string("Win") + "ny";
  put(home + "/.wine/drive_c/users/taro/Documents/notes.exe",
      testsupport::miniPe({{"ProductName", winny}, {"OriginalFilename", winny + ".exe"}}));
  put(home + "/.wine/drive_c/Program Files/Tool/tool.exe",
      testsupport::miniPe({{"ProductName", "Hello Tool"}, {"CompanyName", "Example Ltd"}}));
  P2pRecognizer recognizer(policy::builtinPolicy().p2pGuard);
  std::vector<Finding> findings;
  std::vector<NotInspected> skipped;
  findInstalledPrograms(defaultProgramFolders({home}, false), recognizer, findings, skipped, nullptr);
  CHECK(hasFinding(findings, FindingKind::kP2pInstalled, home + "/.wine/drive_c/Program Files/Winny/Winny.exe"));
  CHECK(hasFinding(findings, FindingKind::kP2pInstalled, home + "/Downloads/qBittorrent-4.6.0-x86_64.AppImage"));
  CHECK(hasFinding(findings, FindingKind::kP2pInstalled, home + "/.wine/drive_c/users/taro/Documents/notes.exe"));
  CHECK(findings.size() == 3);
  CHECK(programNameOf("qBittorrent-4.6.0-x86_64.AppImage") == "qBittorrent");
  CHECK(programNameOf("Winny.exe") == "Winny");
  CHECK(programNameOf("aria2c") == "aria2c");
}

TEST_CASE("programs anywhere else in the home or in /tmp: by what they are, never by their name alone") {
  testsupport::TempDir dir("inspect-hidden");
  const std::string home = dir.file("home");
  const std::string winny = std::string("Win") + "ny";
  // A renamed Windows client deep in a hidden folder: its version resource tells.
  put(home + "/.cache/thumbnails/x/y/z/indexer.exe",
      testsupport::miniPe({{"ProductName", winny}, {"OriginalFilename", winny + ".exe"}}));
  // Names a signature set knows, outside the program folders, on files that are nothing of the kind:
  // a project's own "share" script and a text file called Winny.exe.
  put(home + "/projects/tools/share", "#!/bin/sh\necho share the build\n", true);
  put(home + "/projects/old/" + winny + ".exe", "MZ\x90 not really a program");
  P2pRecognizer recognizer(policy::builtinPolicy().p2pGuard);
  std::vector<Finding> findings;
  std::vector<NotInspected> skipped;
  const auto folders = defaultProgramFolders({home}, false);
  REQUIRE(folders.back().path == home);
  CHECK(folders.back().byContentOnly);
  findInstalledPrograms(folders, recognizer, findings, skipped, nullptr);
  CHECK(hasFinding(findings, FindingKind::kP2pInstalled, home + "/.cache/thumbnails/x/y/z/indexer.exe"));
  CHECK(findings.size() == 1);
  // In ~/Downloads the same name is a finding as before.
  put(home + "/Downloads/" + winny + ".exe", "MZ\x90 not really a program");
  findings.clear();
  findInstalledPrograms(folders, recognizer, findings, skipped, nullptr);
  CHECK(hasFinding(findings, FindingKind::kP2pInstalled, home + "/Downloads/" + winny + ".exe"));
  CHECK(findings.size() == 2);
  // With the system's folders: the temporary folders too, by content only.
  const auto system = defaultProgramFolders({home}, true);
  for (const char* temporary : {"/tmp", "/var/tmp", "/dev/shm"}) {
    CAPTURE(temporary);
    CHECK(std::any_of(system.begin(), system.end(),
                      [&](const ProgramFolder& f) { return f.path == temporary && f.byContentOnly; }));
  }
}

TEST_CASE("programs: a candidate is read whole only when its first bytes or its name say it can be a program") {
  using namespace std::string_view_literals;
  CHECK(
      worthReadingWhole("\x7f"
                        "ELF"sv,
                        "game.x86_64"));
  CHECK(worthReadingWhole("MZ\x90\0"sv, "setup.exe"));
  CHECK(worthReadingWhole("#!/u"sv, "cli.js"));
  CHECK(worthReadingWhole("hsqs"sv, "Client-1.0-x86_64.AppImage"));  // a bare squashfs so named
  CHECK(worthReadingWhole(""sv, "tool.APPIMAGE"));
  CHECK_FALSE(worthReadingWhole("\xff\xd8\xff\xe0"sv, "photo.jpg"));  // a FAT stick's photo, x bit set
  CHECK_FALSE(
      worthReadingWhole("\x7f"
                        "EL"sv,
                        "short"));
  CHECK_FALSE(worthReadingWhole("#"sv, "x"));
  CHECK_FALSE(worthReadingWhole(""sv, "empty"));
  CHECK_FALSE(worthReadingWhole("PK\x03\x04"sv, "bundle.exe.zip"));

  // Only the programs are read whole (and counted on the progress line); the photo is looked at
  // through its first bytes alone and is no finding, the script and the ELF file are read.
  testsupport::TempDir dir("inspect-header-first");
  const std::string home = dir.file("home");
  put(home + "/stick/photo.jpg", std::string("\xff\xd8\xff\xe0", 4) + std::string(100000, 'x'), true);
  put(home + "/src/node_modules/x/bin/cli.js", "#!/usr/bin/env node\nrequire('./lib');\n", true);
  put(home + "/.rustup/bin/tool",
      std::string("\x7f"
                  "ELF\x02\x01\x01",
                  7) +
          std::string(5000, '\0'),
      true);
  P2pRecognizer recognizer(policy::builtinPolicy().p2pGuard);
  std::vector<Finding> findings;
  std::vector<NotInspected> skipped;
  std::vector<std::string> read;
  std::int64_t bytes = 0;
  findInstalledPrograms(defaultProgramFolders({home}, false), recognizer, findings, skipped, nullptr,
                        [&](const std::string& path, std::int64_t n) {
                          read.push_back(path);
                          bytes += n;
                        });
  std::sort(read.begin(), read.end());
  CHECK(read == std::vector<std::string>{home + "/.rustup/bin/tool", home + "/src/node_modules/x/bin/cli.js"});
  CHECK(bytes == 5007 + 38);
  CHECK(findings.empty());
  CHECK(skipped.empty());
}

TEST_CASE("programs: a head buffer handed back is reused and holds only the next file's bytes") {
  testsupport::TempDir dir("inspect-read-program");
  const std::string big = dir.file("big");
  const std::string small = dir.file("small");
  std::string bigBytes(3 << 20, 'b');
  bigBytes[0] = '\x7f';
  put(big, bigBytes);
  put(small, "#!/bin/sh\nexit 0\n");
  auto first = readProgram(big, 2 << 20);
  REQUIRE(first);
  CHECK(first.value().head == bigBytes.substr(0, 2 << 20));  // the head bounded, the hash whole
  CHECK(first.value().sha256 == common::sha256Hex(bigBytes));
  CHECK(first.value().size == static_cast<std::int64_t>(bigBytes.size()));
  const auto capacity = first.value().head.capacity();
  auto second = readProgram(small, 2 << 20, false, std::move(first.value().head));
  REQUIRE(second);
  CHECK(second.value().head == "#!/bin/sh\nexit 0\n");
  CHECK(second.value().head.capacity() == capacity);
  CHECK(second.value().sha256 == common::sha256Hex("#!/bin/sh\nexit 0\n"));
  auto third = readProgram(big, 4 << 20, false, std::move(second.value().head));
  REQUIRE(third);
  CHECK(third.value().head == bigBytes);
}
