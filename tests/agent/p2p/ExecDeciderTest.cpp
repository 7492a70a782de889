// deny_exec decisions: from the file alone, only inside the scope, only in enforce mode.
#include <fcntl.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "agent/p2p/ExecDecider.h"
#include "common/UniqueFd.h"
#include "drivers/fake/FakeProcesses.h"
#include "drivers/linux/FileHashCache.h"
#include "policy/BuiltinP2pSignatures.h"
#include "tests/support/MiniElf.h"
#include "tests/support/MiniPe.h"
#include "tests/support/TempDir.h"

using namespace mamori;

namespace {

struct Fixture {
  testsupport::TempDir dir;
  drivers::fake::FakeProcesses processes;
  drivers::linux_os::FileHashCache hashes;
  std::unique_ptr<agent::p2p::ExecDecider> decider;

  explicit Fixture(const policy::P2pGuardSettings& settings) {
    drivers::ProcessInfo caller;
    caller.pid = 10;
    caller.ppid = 1;
    processes.add(caller, 7);
    drivers::ProcessInfo outside;  // in another pid namespace
    outside.pid = 20;
    outside.ppid = 1;
    processes.add(outside, 8);
    auto scope = agent::p2p::P2pScope::resolve("pidns:10", processes);
    REQUIRE(scope.ok());
    decider = std::make_unique<agent::p2p::ExecDecider>(processes, scope.value(), hashes);
    decider->apply(settings);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  agent::p2p::ExecDecider::Decision decide(const std::string& path) {
    const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.valid());
    return decider->decide(10, fd.get(), path);
  }
};

policy::P2pGuardSettings builtin() {
  policy::P2pGuardSettings settings;
  settings.signatureSets = policy::builtinP2pSignatureSets();
  return settings;
}

bool hasEvidence(const agent::p2p::ExecDecider::Decision& d, policy::P2pSignal signal, const std::string& subject) {
  return std::any_of(d.verdict.evidence.begin(), d.verdict.evidence.end(),
                     [&](const auto& e) { return e.signal == signal && e.subject == subject; });
}

// Strings are assembled at run time from pieces: the test binary itself must not carry a rule's
// vocabulary in one piece, or a guard on the machine would recognise the test as a client.
std::string joined(std::initializer_list<const char*> pieces) {
  std::string out;
  for (const char* piece : pieces) out += piece;
  return out;
}

// Bytes the built-in BitTorrent engine rule recognises (a stand-in for libaria2 or libtorrent).
std::string engineBytes() {
  return joined({"BitTor", "rent protocol", "\n", "d1:ad2:", "id20:", "\n", "info_", "hash=", "\n"});
}

}  // namespace

TEST_CASE("a known name is refused in scope and allowed outside it; audit and deny_exec off allow") {
  Fixture f(builtin());
  const std::string client = f.write("ctorrent", "binary");
  const std::string other = f.write("editor", "binary too");
  const common::UniqueFd clientFd(::open(client.c_str(), O_RDONLY | O_CLOEXEC));
  auto denied = f.decide(client);
  CHECK_FALSE(denied.allow);
  REQUIRE_FALSE(denied.verdict.evidence.empty());
  CHECK(denied.verdict.evidence[0].matched == "ctorrent");
  CHECK(f.decide(client).allow == false);                      // cached, same answer
  CHECK(f.decider->decide(20, clientFd.get(), client).allow);  // another pid namespace
  CHECK(f.decider->decide(99, clientFd.get(), client).allow);  // unknown caller
  auto clean = f.decide(other);
  CHECK(clean.allow);
  CHECK(clean.facts.exeSha256.size() == 64);
  // Only a file allowed for what it is may be remembered by the kernel: not a refusal, not an
  // allowance because the caller is outside the scope.
  CHECK(clean.byFileAlone);
  CHECK(f.decide(other).byFileAlone);  // cached, same answer
  CHECK_FALSE(denied.byFileAlone);
  CHECK_FALSE(f.decider->decide(20, clientFd.get(), client).byFileAlone);

  auto settings = builtin();
  settings.denyExec = false;
  f.decider->apply(settings);
  CHECK(f.decide(client).allow);
  settings.denyExec = true;
  settings.mode = policy::Mode::kAudit;
  f.decider->apply(settings);
  CHECK(f.decide(client).allow);
}

TEST_CASE("a stub over a BitTorrent library is refused before it runs: DT_NEEDED resolved, the library's YARA hit") {
  Fixture f(builtin());
  const std::string lib = f.write("libengine.so.0", testsupport::miniElf({}, engineBytes()));
  const std::string stub = f.write("notepad", testsupport::miniElf({"libc.so.6", "libengine.so.0"}, "usage: notepad"));
  auto decision = f.decide(stub);
  CHECK_FALSE(decision.allow);
  CHECK(hasEvidence(decision, policy::P2pSignal::kYara, lib));
  REQUIRE(decision.facts.libraries.size() == 1);
  CHECK(decision.facts.libraries[0].path == lib);
  CHECK(decision.facts.libraries[0].sha256.size() == 64);

  // The same stub needing only a library that is not there, or benign ones: allowed.
  const std::string lonely = f.write("editor", testsupport::miniElf({"libmissing.so.3"}, "usage: editor"));
  CHECK(f.decide(lonely).allow);
  f.write("libcurl-lookalike.so.4", testsupport::miniElf({}, joined({"https:// info", "_hash= failure", " reason"})));
  CHECK(f.decide(f.write("fetch", testsupport::miniElf({"libcurl-lookalike.so.4"}, "GET"))).allow);
}

TEST_CASE("a library known by hash decides before YARA") {
  Fixture probe(builtin());
  const std::string lib = probe.write("libquiet.so.1", testsupport::miniElf({}, "nothing to see"));
  const std::string stub = probe.write("tool", testsupport::miniElf({"libquiet.so.1"}));
  auto clean = probe.decide(stub);
  REQUIRE(clean.allow);
  REQUIRE(clean.facts.libraries.size() == 1);
  policy::P2pGuardSettings settings;
  policy::P2pSignatureSet company;
  company.name = "company";
  company.sha256 = {clean.facts.libraries[0].sha256};
  settings.signatureSets = {company};
  Fixture f(settings);
  const std::string copyLib = f.write("libquiet.so.1", testsupport::miniElf({}, "nothing to see"));
  auto denied = f.decide(f.write("tool", testsupport::miniElf({"libquiet.so.1"})));
  CHECK_FALSE(denied.allow);
  CHECK(hasEvidence(denied, policy::P2pSignal::kLibraryHash, copyLib));
}

TEST_CASE("self-contained clients and launcher scripts are known by content, whatever their name") {
  Fixture f(builtin());
  // ctorrent builds its handshake in code: its tracker announce builder gives it away.
  const std::string tracker = joined({"GET %s?info", "_hash=%s&peer", "_id=%s&port=%d\n&upl", "oaded=\n&downl",
                                      "oaded=\n&le", "ft=\nfailure", " reason"});
  CHECK_FALSE(f.decide(f.write("backup", testsupport::miniElf({}, tracker))).allow);
  // aMule: server list, Kad node list, partial downloads.
  const std::string ed2k = joined({"server", ".met\n", "nodes", ".dat\n%s.part", ".met"});
  CHECK_FALSE(f.decide(f.write("mailer", testsupport::miniElf({}, ed2k))).allow);
  // A renamed Deluge launcher script.
  auto script = f.decide(f.write("updater", joined({"#!/usr/bin/python3\n__requires__ = 'del", "uge==2.0.3'\n"})));
  CHECK_FALSE(script.allow);
  CHECK(hasEvidence(script, policy::P2pSignal::kYara, f.dir.file("updater")));
  // The same words outside an executable (a text file, a Python tracker for tests) or in a script
  // that is not a launcher are no evidence.
  CHECK(f.decide(f.write("notes", tracker + ed2k)).allow);
  CHECK(f.decide(f.write("deluge-notes.py", "#!/usr/bin/python3\nprint('deluge is a client')\n")).allow);
}

TEST_CASE("Wine's loader executing itself again is judged by the Windows program its argv names") {
  Fixture f(builtin());
  namespace fs = std::filesystem;
  const std::string loader = f.write("wine64", "loader");
  const std::string winny = joined({"Win", "ny"});
  const std::string prefix = f.dir.file("prefix");
  fs::create_directories(prefix + "/drive_c/Program Files/P2P");
  fs::create_directories(prefix + "/dosdevices");
  fs::create_symlink("../drive_c", prefix + "/dosdevices/c:");
  {
    std::ofstream(prefix + "/drive_c/Program Files/P2P/svc.exe", std::ios::binary)
        << testsupport::miniPe({{"ProductName", winny}, {"InternalName", winny}});
  }
  f.write("hello.exe", testsupport::miniPe({{"ProductName", "Hello Tool"}, {"FileDescription", "says hello"}}));
  const auto asWine = [&](std::vector<std::string> argv) {
    drivers::ProcessInfo caller;
    caller.pid = 10;
    caller.ppid = 1;
    caller.exePath = loader;
    caller.argv = std::move(argv);
    f.processes.add(caller, 7);
    f.processes.setContext(10, f.dir.path(), {{"WINEPREFIX", prefix}});
  };
  asWine({loader, "C:\\Program Files\\P2P\\svc.exe"});
  auto denied = f.decide(loader);
  CHECK_FALSE(denied.allow);
  CHECK(denied.facts.scriptPath == prefix + "/dosdevices/c:/Program Files/P2P/svc.exe");
  CHECK(hasEvidence(denied, policy::P2pSignal::kVersionInfo,
                    prefix + "/dosdevices/c:/Program Files/P2P/svc.exe ProductName=" + winny));
  asWine({loader, "./hello.exe"});
  CHECK(f.decide(loader).allow);
  // Named without a folder (`wine notes`): found where Wine looks, NAME.exe in the working directory;
  // and the start.exe Wine runs when it did not find NAME itself (its child's exec) names it too.
  f.write("notes.exe", testsupport::miniPe({{"ProductName", winny}}));
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{loader, "notes"}, std::vector<std::string>{"start.exe", "/exec", "notes"}}) {
    asWine(argv);
    auto bare = f.decide(loader);
    CHECK_FALSE(bare.allow);
    CHECK(bare.facts.scriptPath == f.dir.file("notes.exe"));
  }
  asWine({loader, "hello"});
  CHECK(f.decide(loader).allow);
  CHECK_FALSE(f.decide(loader).byFileAlone);  // allowed for the program it names, not for itself
  // The loader started by a shell (the caller is no Wine process): the loader's own file decides,
  // but the kernel must keep asking: its next exec is judged by the program its argv names.
  drivers::ProcessInfo shell;
  shell.pid = 10;
  shell.ppid = 1;
  shell.exePath = "/bin/bash";
  shell.argv = {"bash"};
  f.processes.add(shell, 7);
  CHECK(f.decide(loader).allow);
  CHECK_FALSE(f.decide(loader).byFileAlone);
}
