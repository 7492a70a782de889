// P2pGuard over in-memory processes: what is killed, what is only reported, what is never touched.
#include <doctest/doctest.h>

#include <fstream>

#include "agent/p2p/P2pGuard.h"
#include "drivers/fake/FakeProcesses.h"
#include "drivers/linux/FileHashCache.h"
#include "policy/BuiltinP2pSignatures.h"
#include "tests/support/CallbackEventSink.h"
#include "tests/support/MiniPe.h"
#include "tests/support/TempDir.h"

using namespace mamori;
using agent::p2p::P2pGuard;
using agent::p2p::P2pScope;
using drivers::fake::FakeProcesses;

namespace {

struct Emitted {
  std::string type;
  Poco::JSON::Object::Ptr details;
};

drivers::ProcessInfo process(pid_t pid, pid_t ppid, std::string comm, std::string exe = "/usr/bin/x") {
  drivers::ProcessInfo info;
  info.pid = pid;
  info.ppid = ppid;
  info.comm = std::move(comm);
  info.exePath = std::move(exe);
  info.argv = {info.exePath};
  info.user = "taro";
  info.uid = 1000;
  info.startTime = 1000U + static_cast<std::uint64_t>(pid);
  return info;
}

policy::P2pGuardSettings builtin(policy::Mode mode = policy::Mode::kEnforce) {
  policy::P2pGuardSettings settings;
  settings.mode = mode;
  settings.signatureSets = policy::builtinP2pSignatureSets();
  return settings;
}

struct Fixture {
  FakeProcesses processes;
  drivers::linux_os::FileHashCache hashes;
  agent::p2p::ProcessInspector inspector{"/nonexistent-proc", hashes};
  std::vector<Emitted> events;
  testsupport::CallbackEventSink sink{
      [this](const std::string& type, common::Severity, Poco::JSON::Object::Ptr details) {
        events.push_back({type, std::move(details)});
      }};

  std::unique_ptr<P2pGuard> guard(P2pScope scope = P2pScope::all(), pid_t self = 1) {
    auto made = std::make_unique<P2pGuard>(processes, processes, inspector, std::move(scope), self, sink,
                                           [] { return std::uint64_t{5'000'000}; });
    return made;
  }
};

}  // namespace

TEST_CASE("a client known by name is killed with its children at exec, with evidence") {
  Fixture f;
  f.processes.add(process(100, 1, "bash"));
  f.processes.add(process(200, 100, "aria2c", "/usr/bin/aria2c"));
  f.processes.add(process(201, 200, "helper"));
  auto guard = f.guard();
  guard->apply(builtin());
  CHECK(guard->examine(200, P2pGuard::Trigger::kExec, 4'000'000) == P2pGuard::Outcome::kMatched);
  REQUIRE(f.processes.kills().size() == 2);
  CHECK(f.processes.kills()[0].first == 200);  // the root first: it cannot start more
  CHECK(f.processes.kills()[1].first == 201);
  CHECK(f.processes.running(100));
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].type == "p2p.killed");
  const auto& details = f.events[0].details;
  CHECK(details->getValue<std::string>("p2p.action") == "killed");
  CHECK(details->getValue<std::string>("user.name") == "taro");
  CHECK(details->getValue<std::int64_t>("p2p.exec_to_kill_us") == 1000);
  auto signals = details->getArray("p2p.signals");
  REQUIRE(signals->size() >= 1);
  CHECK(signals->getObject(0)->getValue<std::string>("signal") == "name");
  CHECK(signals->getObject(0)->getValue<std::string>("matched") == "aria2c");
  // Handled once: a recheck does not report it again.
  f.processes.add(process(200, 1, "aria2c", "/usr/bin/aria2c"));
  CHECK(guard->examine(200, P2pGuard::Trigger::kRecheck) == P2pGuard::Outcome::kAlreadyHandled);
}

TEST_CASE("audit mode reports and never kills; mode off looks at nothing") {
  Fixture f;
  f.processes.add(process(300, 1, "rtorrent", "/usr/bin/rtorrent"));
  auto guard = f.guard();
  guard->apply(builtin(policy::Mode::kAudit));
  CHECK(guard->examine(300, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kMatched);
  CHECK(f.processes.kills().empty());
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].type == "p2p.detected");
  CHECK(f.events[0].details->getValue<std::string>("p2p.action") == "reported");

  guard->apply(builtin(policy::Mode::kOff));
  CHECK(guard->examine(300, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kOutOfScope);
  CHECK(f.events.size() == 1);
}

TEST_CASE("nothing outside the scope is touched, not even a child of a matched process") {
  Fixture f;
  f.processes.add(process(10, 1, "sh"));
  f.processes.add(process(11, 10, "ctorrent"));
  f.processes.add(process(20, 1, "ctorrent"), 2);  // another pid namespace
  f.processes.add(process(12, 11, "ctorrent-child"), 2);
  auto scope = P2pScope::resolve("pidns:10", f.processes);
  REQUIRE(scope.ok());
  auto guard = f.guard(scope.value());
  guard->apply(builtin());
  CHECK(guard->examine(20, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kOutOfScope);
  CHECK(guard->examine(11, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kMatched);
  REQUIRE(f.processes.kills().size() == 1);
  CHECK(f.processes.kills()[0].first == 11);
  CHECK(f.processes.running(12));
  CHECK(f.processes.running(20));
}

TEST_CASE("subtree and cgroup scopes; bad specs are clear errors") {
  Fixture f;
  f.processes.add(process(10, 1, "sh"), 1, "/test.slice/a");
  f.processes.add(process(11, 10, "x"), 1, "/test.slice/a/b");
  f.processes.add(process(12, 1, "y"), 1, "/test.slice/ab");
  auto subtree = P2pScope::resolve("subtree:10", f.processes);
  REQUIRE(subtree.ok());
  CHECK(subtree.value().contains(11, f.processes));
  CHECK_FALSE(subtree.value().contains(12, f.processes));
  auto cgroup = P2pScope::resolve("cgroup:/test.slice/a", f.processes);
  REQUIRE(cgroup.ok());
  CHECK(cgroup.value().contains(10, f.processes));
  CHECK(cgroup.value().contains(11, f.processes));
  CHECK_FALSE(cgroup.value().contains(12, f.processes));
  CHECK_FALSE(P2pScope::resolve("subtree:999", f.processes).ok());
  CHECK_FALSE(P2pScope::resolve("pidns:abc", f.processes).ok());
  CHECK_FALSE(P2pScope::resolve("cgroup:relative", f.processes).ok());
  CHECK_FALSE(P2pScope::resolve("everything", f.processes).ok());
  CHECK(P2pScope::resolve("pidns:/proc/10/ns/pid", f.processes).ok());
}

TEST_CASE("the agent itself is never examined") {
  Fixture f;
  f.processes.add(process(77, 1, "aria2c"));
  auto guard = f.guard(P2pScope::all(), 77);
  guard->apply(builtin());
  CHECK(guard->examine(77, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kOutOfScope);
  CHECK(f.processes.kills().empty());
}

TEST_CASE("a renamed client is recognised by the YARA rule over a mapped library") {
  testsupport::TempDir dir;
  const std::string library = dir.file("libengine.so");
  {
    std::ofstream out(library);
    // Assembled at run time: the test binary itself must not carry the engine's vocabulary in one
    // piece, or a guard on the machine would recognise the test as a client.
    const std::string parts[] = {"xx\x13", "BitTorrent", " protocol yy ", "d1:ad2:", "id20: zz ", "ut_meta", "data ww"};
    for (const auto& part : parts) out << part;
  }
  const std::string exe = dir.file("notepad");
  { std::ofstream(exe) << "plain program"; }
  Fixture f;
  auto info = process(400, 1, "notepad", exe);
  info.mappings = {{exe, 1, false}, {library, 2, false}};
  f.processes.add(info);
  auto guard = f.guard();
  guard->apply(builtin());
  CHECK(guard->examine(400, P2pGuard::Trigger::kRecheck) == P2pGuard::Outcome::kMatched);
  REQUIRE(f.events.size() == 1);
  auto signal = f.events[0].details->getArray("p2p.signals")->getObject(0);
  CHECK(signal->getValue<std::string>("signal") == "yara");
  CHECK(signal->getValue<std::string>("subject") == library);
  CHECK(f.events[0].details->getArray("process.libraries")->size() == 1);
  CHECK(f.events[0].details->getValue<std::string>("process.hash.sha256").size() == 64);
}

TEST_CASE("a shallow rescan reads only unknown processes; a deep one sees libraries loaded late") {
  testsupport::TempDir dir;
  const std::string library = dir.file("libengine.so");
  {
    std::ofstream out(library);
    const std::string parts[] = {"xx\x13", "BitTorrent", " protocol yy ", "d1:ad2:", "id20: zz ", "ut_meta", "data ww"};
    for (const auto& part : parts) out << part;
  }
  const std::string exe = dir.file("python3");
  { std::ofstream(exe) << "interpreter"; }
  Fixture f;
  auto info = process(700, 1, "worker", exe);
  info.mappings = {{exe, 1, false}};
  f.processes.add(info);
  auto guard = f.guard();
  guard->apply(builtin());
  CHECK(guard->rescan(0, 0, false) == 0);  // unknown: read and examined, clean
  CHECK(f.processes.kills().empty());
  // A deep sweep reads only processes whose address space changed size (stat's vsize).
  const std::size_t readsBefore = f.processes.reads();
  CHECK(guard->rescan(0, 0, true) == 0);
  CHECK(f.processes.reads() == readsBefore);
  info.mappings.push_back({library, 2, false});  // imports an engine later: the address space grows
  info.virtualBytes += 1 << 20;
  f.processes.add(info);
  CHECK(guard->rescan(0, 0, false) == 0);  // known: not read again
  CHECK(f.processes.kills().empty());
  CHECK(guard->rescan(0, 0, true) == 0);  // deep: the new mapping is seen
  CHECK(f.processes.kills().size() == 1);
}

TEST_CASE("an exec outside the scope is not read") {
  Fixture f;
  auto inside = process(800, 1, "inside");
  f.processes.add(inside, 7);
  f.processes.add(process(801, 1, "ctorrent", "/usr/bin/ctorrent"), 8);
  auto scope = P2pScope::resolve("pidns:800", f.processes);
  REQUIRE(scope.ok());
  auto guard = f.guard(scope.value());
  guard->apply(builtin());
  const std::size_t before = f.processes.reads();
  CHECK(guard->examine(801, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kOutOfScope);
  CHECK(guard->examine(801, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kOutOfScope);
  CHECK(f.processes.reads() == before);
  CHECK(f.processes.kills().empty());
  CHECK(guard->examine(800, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kClean);
  CHECK(f.processes.reads() > before);
}

TEST_CASE("a clean process stays; network evidence alone kills it when network detection is on") {
  Fixture f;
  f.processes.add(process(500, 1, "mystery"));
  auto guard = f.guard();
  guard->apply(builtin());
  CHECK(guard->examine(500, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kClean);
  CHECK(f.events.empty());
  CHECK(guard->onNetworkEvidence(500, {"bittorrent", "handshake", "tcp 127.0.0.1:6881 -> 127.0.0.1:2",
                                       "by its listening port 6881 (the flow's local port: an accepted connection)"}) ==
        P2pGuard::Outcome::kMatched);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].type == "p2p.killed");
  CHECK(f.events[0].details->getValue<std::string>("p2p.trigger") == "network");
  // The network signal says how its sender was found (here: its socket had closed).
  const auto signals = f.events[0].details->getArray("p2p.signals");
  REQUIRE(signals);
  const auto network = signals->getObject(signals->size() - 1);
  CHECK(network->getValue<std::string>("signal") == "network");
  CHECK(network->getValue<std::string>("attribution") ==
        "by its listening port 6881 (the flow's local port: an accepted connection)");

  auto settings = builtin();
  settings.networkDetection = false;
  f.processes.add(process(501, 1, "mystery2"));
  guard->apply(settings);
  CHECK(guard->onNetworkEvidence(501, {"bittorrent", "handshake", "flow"}) == P2pGuard::Outcome::kOutOfScope);
}

TEST_CASE("the rescan finds processes the kernel never announced, and matches them") {
  Fixture f;
  auto guard = f.guard();
  guard->apply(builtin());
  auto early = process(600, 1, "early");
  early.startTime = 50;  // before the subscription
  f.processes.add(early);
  auto announced = process(601, 1, "announced");
  announced.startTime = 500;
  f.processes.add(announced);
  auto missed = process(602, 1, "deluged");
  missed.startTime = 600;
  f.processes.add(missed);
  guard->onProcessEvent({drivers::ProcessEvent::Kind::kFork, 601, 0});
  CHECK(guard->rescan(200, 1000) == 1);    // 602 only
  CHECK(f.processes.kills().size() == 1);  // and deluged was caught by the rescan
  CHECK(guard->rescan(200, 1000) == 0);    // counted once
}

TEST_CASE("a Windows client run through Wine is killed at the loader's exec: its program's version resource") {
  Fixture f;
  testsupport::TempDir dir;
  // Winny-like strings are assembled at run time (the test binary must not carry them as a PE would).
  const std::string winny = std::string("Win") + "ny";
  std::ofstream(dir.file("notes.exe"), std::ios::binary)
      << testsupport::miniPe({{"ProductName", winny}, {"OriginalFilename", winny + ".exe"}});
  std::ofstream(dir.file("tool.exe"), std::ios::binary)
      << testsupport::miniPe({{"ProductName", "Hello Tool"}, {"CompanyName", "Example Ltd"}});
  f.processes.add(process(100, 1, "bash"));
  auto wine = process(300, 100, "wine64", "/usr/lib/wine/wine64");
  wine.argv = {"/usr/lib/wine/wine64", "./notes.exe"};
  f.processes.add(wine);
  f.processes.setContext(300, dir.path(), {{"WINEPREFIX", dir.file("prefix")}});
  auto benign = process(301, 100, "wine64", "/usr/lib/wine/wine64");
  benign.argv = {"/usr/lib/wine/wine64", "tool.exe"};
  f.processes.add(benign);
  f.processes.setContext(301, dir.path(), {});
  auto guard = f.guard();
  guard->apply(builtin());
  CHECK(guard->examine(301, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kClean);
  CHECK(guard->examine(300, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kMatched);
  REQUIRE(f.processes.kills().size() == 1);
  CHECK(f.processes.kills()[0].first == 300);
  REQUIRE(f.events.size() == 1);
  const auto& details = f.events[0].details;
  CHECK(details->getValue<std::string>("process.script") == dir.file("notes.exe"));
  CHECK(details->getValue<bool>("process.wine"));
  CHECK(details->getValue<std::string>("process.pe.product") == winny);
  CHECK(details->getValue<std::string>("process.pe.original_file_name") == winny + ".exe");
  bool versionInfo = false;
  auto signals = details->getArray("p2p.signals");
  for (std::size_t i = 0; i < signals->size(); ++i) {
    versionInfo = versionInfo || signals->getObject(i)->getValue<std::string>("signal") == "version_info";
  }
  CHECK(versionInfo);
}

TEST_CASE(
    "one event per launch: what the exec guard refused is killed unreported, what was killed refused unreported") {
  Fixture f;
  f.processes.add(process(100, 1, "bash"));
  f.processes.add(process(200, 100, "ctorrent", "/usr/bin/ctorrent"));
  f.processes.add(process(201, 100, "ctorrent", "/usr/bin/ctorrent"));
  auto guard = f.guard();
  guard->apply(builtin());
  // The exec guard's thread refused this launch (a Wine loader's second exec) before the main thread
  // saw its first exec: killed all the same, no second event.
  CHECK(guard->stops().refuse(200, 1200, "/usr/bin/ctorrent"));
  CHECK(guard->examine(200, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kAlreadyHandled);
  REQUIRE(f.processes.kills().size() == 1);
  CHECK(f.processes.kills()[0].first == 200);
  CHECK(f.events.empty());
  // Killed first: reported; the exec guard's refusal of the same launch that follows is not.
  CHECK(guard->examine(201, P2pGuard::Trigger::kExec) == P2pGuard::Outcome::kMatched);
  CHECK(f.events.size() == 1);
  CHECK_FALSE(guard->stops().refuse(201, 1201, "/usr/bin/ctorrent"));
  // Other launches are reported: another program, another process (a reused pid), and a shell whose
  // exec of a client is refused twice (two attempts).
  CHECK(guard->stops().refuse(201, 1201, "/usr/bin/rtorrent"));
  CHECK(guard->stops().refuse(201, 9999, "/usr/bin/rtorrent"));
  CHECK(guard->stops().refuse(100, 1100, "/usr/bin/ctorrent"));
  CHECK(guard->stops().refuse(100, 1100, "/usr/bin/ctorrent"));
  // Exits forget; a kill that failed does not silence a later refusal.
  for (const pid_t pid : {100, 200}) guard->onProcessEvent({drivers::ProcessEvent::Kind::kExit, pid, 0});
  guard->onProcessEvent({drivers::ProcessEvent::Kind::kExit, 201, 0});
  CHECK(guard->stops().size() == 0);
  CHECK(guard->stops().kill(300, 1300, "/x"));
  guard->stops().killFailed(300);
  CHECK(guard->stops().refuse(300, 1300, "/x"));
}
