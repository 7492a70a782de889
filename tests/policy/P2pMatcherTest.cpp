#include <doctest/doctest.h>

#include "common/Glob.h"
#include "policy/BuiltinP2pSignatures.h"
#include "policy/P2pMatcher.h"

using namespace mamori::policy;
using namespace mamori::common;

namespace {

constexpr const char* kLibAria2Hash = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kAria2cHash = "2222222222222222222222222222222222222222222222222222222222222222";

P2pGuardSettings settingsWithHashes() {
  P2pGuardSettings settings;
  settings.signatureSets = builtinP2pSignatureSets();
  P2pSignatureSet own;
  own.name = "company-hashes";
  own.sha256 = {kLibAria2Hash, kAria2cHash};
  settings.signatureSets.push_back(own);
  return settings;
}

bool hasSignal(const P2pVerdict& verdict, P2pSignal signal) {
  for (const auto& e : verdict.evidence) {
    if (e.signal == signal) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("glob patterns") {
  CHECK(globMatch("qbittorrent*", "qbittorrent-nox"));
  CHECK(globMatch("*/torrent_sync.py", "/home/a/torrent_sync.py"));
  CHECK(globMatch("python?", "python3"));
  CHECK_FALSE(globMatch("python?", "python3.11"));
  CHECK(globMatch("WINNY", "winny", true));
  CHECK_FALSE(globMatch("WINNY", "winny", false));
  CHECK(globMatch("*a*a*a*a*a*b", std::string(60, 'a') + "b"));
  CHECK_FALSE(globMatch("*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST_CASE("a known client by name") {
  const P2pMatcher matcher(settingsWithHashes());
  const auto verdict = matcher.evaluate(
      {"transmission-da", "/usr/bin/transmission-daemon", {"transmission-daemon", "-f"}, "", {}, "", "", {}});
  REQUIRE(verdict.matched);
  CHECK(verdict.evidence.at(0).signal == P2pSignal::kName);
  CHECK(verdict.evidence.at(0).signatureSet == "builtin-linux-p2p");
  CHECK(verdict.denyExec);
  CHECK(verdict.kill);
  CHECK_FALSE(verdict.audit);
}

TEST_CASE("Winny under Wine, case and .exe do not matter") {
  const P2pMatcher matcher(settingsWithHashes());
  const auto verdict =
      matcher.evaluate({"Winny.exe", "/usr/bin/wine64-preloader", {"C:\\Winny\\Winny.exe"}, "", {}, "", "", {}});
  REQUIRE(verdict.matched);
  CHECK(verdict.evidence.at(0).matched == "winny");
  CHECK(verdict.evidence.at(0).subject == "comm Winny.exe");
}

TEST_CASE("the Windows names that are everyday words name the Windows program only") {
  const P2pMatcher matcher(settingsWithHashes());
  // A user's own script or a Linux tool called share or thunder: not Share or Thunder (Xunlei).
  CHECK_FALSE(matcher.evaluate({"share", "/usr/bin/bash", {"/home/a/bin/share", "--all"}, "", {}, "", "", {}}).matched);
  CHECK_FALSE(matcher.evaluate({"thunder", "/home/a/.local/bin/thunder", {"thunder"}, "", {}, "", "", {}}).matched);
  // The Windows programs through Wine, in any case.
  for (const char* comm : {"Share.exe", "share.EXE", "Thunder.exe"}) {
    CAPTURE(comm);
    const auto verdict = matcher.evaluate({comm, "/usr/bin/wine64-preloader", {comm}, "", {}, "", "", {}});
    REQUIRE(verdict.matched);
    CHECK(verdict.evidence.at(0).signatureSet == "builtin-windows-p2p");
  }
}

TEST_CASE("a renamed aria2c is caught by its executable and library hashes") {
  const P2pMatcher matcher(settingsWithHashes());
  ProcessFacts facts{"notepad",
                     "/tmp/notepad",
                     {"notepad", "--enable-dht"},
                     kAria2cHash,
                     {{"/usr/lib/x86_64-linux-gnu/libc.so.6", std::string(64, '0')},
                      {"/usr/lib/x86_64-linux-gnu/libaria2.so.0.0.0", kLibAria2Hash}},
                     "",
                     "",
                     {}};
  const auto verdict = matcher.evaluate(facts);
  REQUIRE(verdict.matched);
  CHECK_FALSE(hasSignal(verdict, P2pSignal::kName));
  CHECK(hasSignal(verdict, P2pSignal::kExeHash));
  CHECK(hasSignal(verdict, P2pSignal::kLibraryHash));
  CHECK(verdict.evidence.back().subject == "/usr/lib/x86_64-linux-gnu/libaria2.so.0.0.0");
}

TEST_CASE("deluged is python3 running a script") {
  const P2pMatcher matcher(settingsWithHashes());
  // comm as if renamed, so only the script signal can catch it.
  const auto verdict = matcher.evaluate(
      {"worker", "/usr/bin/python3.11", {"/usr/bin/python3", "/usr/bin/deluged", "-d"}, "", {}, "", "", {}});
  REQUIRE(verdict.matched);
  CHECK(hasSignal(verdict, P2pSignal::kScript));
}

TEST_CASE("a renamed launcher script is caught by its hash") {
  const P2pMatcher matcher(settingsWithHashes());
  const auto verdict =
      matcher.evaluate({"python3", "/usr/bin/python3.11", {"python3", "relay"}, "", {}, "/tmp/relay", kAria2cHash, {}});
  REQUIRE(verdict.matched);
  CHECK(verdict.evidence.at(0).signal == P2pSignal::kScriptHash);
  CHECK(verdict.evidence.at(0).subject == "/tmp/relay");
  CHECK(p2pSignalName(P2pSignal::kScriptHash) == "script_hash");
}

TEST_CASE("YARA hits from the agent become evidence for known sets only") {
  const P2pMatcher matcher(settingsWithHashes());
  ProcessFacts facts{
      "x",   "/opt/x",
      {"x"}, "",
      {},    "",
      "",    {{"builtin-linux-p2p", "bittorrent_engine", "/opt/libx.so"}, {"no-such-set", "r", "/opt/x"}}};
  const auto verdict = matcher.evaluate(facts);
  REQUIRE(verdict.evidence.size() == 1);
  CHECK(verdict.evidence[0].signal == P2pSignal::kYara);
  CHECK(p2pSignalName(verdict.evidence[0].signal) == "yara");
}

TEST_CASE("ordinary programs do not match") {
  const P2pMatcher matcher(settingsWithHashes());
  CHECK_FALSE(matcher.evaluate({"bash", "/usr/bin/bash", {"bash"}, std::string(64, 'a'), {}, "", "", {}}).matched);
  CHECK_FALSE(matcher.evaluate({"python3", "/usr/bin/python3", {"python3", "manage.py"}, "", {}, "", "", {}}).matched);
  CHECK_FALSE(matcher.evaluate({"wireshark", "/usr/bin/wireshark", {"wireshark"}, "", {}, "", "", {}}).matched);
}

TEST_CASE("audit and off modes") {
  auto settings = settingsWithHashes();
  settings.mode = Mode::kAudit;
  auto verdict = P2pMatcher(settings).evaluate({"aria2c", "/usr/bin/aria2c", {"aria2c"}, "", {}, "", "", {}});
  CHECK(verdict.matched);
  CHECK(verdict.audit);
  CHECK_FALSE(verdict.denyExec);
  CHECK_FALSE(verdict.kill);

  settings.mode = Mode::kOff;
  verdict = P2pMatcher(settings).evaluate({"aria2c", "/usr/bin/aria2c", {"aria2c"}, "", {}, "", "", {}});
  CHECK_FALSE(verdict.matched);
}

TEST_CASE("Windows clients by their version resource, also renamed and run through Wine; ordinary programs not") {
  const P2pMatcher matcher(settingsWithHashes());
  const auto wine = [](std::vector<PeVersionString> version) {
    ProcessFacts facts{
        "wine64", "/usr/lib/wine/wine64", {"/usr/lib/wine/wine64", "./notes.exe"}, "", {}, "/tmp/notes.exe", "", {}};
    facts.wineProgram = true;
    facts.peVersion = std::move(version);
    facts.peVersionPath = "/tmp/notes.exe";
    return facts;
  };
  // The element, not a structured binding, goes to CAPTURE (a lambda): clang before 16 cannot capture a binding.
  for (const auto& entry :
       std::vector<std::pair<std::string, std::string>>{{"ProductName", "Winny"},
                                                        {"OriginalFilename", "Winny.exe"},
                                                        {"ProductName", "\xc2\xb5Torrent"},
                                                        {"OriginalFilename", "uTorrent.exe"},
                                                        {"ProductName", "BitComet"},
                                                        {"CompanyName", "http://www.emule-project.net"},
                                                        {"ProductName", "Perfect Dark"},
                                                        {"OriginalFilename", "Share.exe"}}) {
    const auto& [field, value] = entry;
    CAPTURE(entry.second);
    const auto verdict = matcher.evaluate(wine({{"CompanyName", "x"}, {field, value}}));
    CHECK(verdict.matched);
    CHECK(hasSignal(verdict, P2pSignal::kVersionInfo));
    CHECK_FALSE(hasSignal(verdict, P2pSignal::kName));
  }
  // Ordinary Windows programs: a plain version resource, or none.
  CHECK_FALSE(matcher
                  .evaluate(wine({{"CompanyName", "Example Ltd"},
                                  {"ProductName", "Hello Tool"},
                                  {"OriginalFilename", "hello.exe"},
                                  {"FileDescription", "Shared notes"}}))
                  .matched);
  CHECK_FALSE(matcher.evaluate(wine({})).matched);
  // The program's own name counts like the executable's ("Winny.exe" run through wine64).
  auto named = wine({});
  named.scriptPath = "/home/taro/winny/Winny.exe";
  const auto verdict = matcher.evaluate(named);
  REQUIRE(verdict.matched);
  CHECK(verdict.evidence.at(0).subject == "wine program /home/taro/winny/Winny.exe");
}
