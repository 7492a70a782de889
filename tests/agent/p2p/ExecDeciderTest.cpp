// deny_exec decisions: from the file alone, only inside the scope, only in enforce mode.
#include <fcntl.h>

#include <doctest/doctest.h>

#include <fstream>

#include "agent/p2p/ExecDecider.h"
#include "common/UniqueFd.h"
#include "drivers/fake/FakeProcesses.h"
#include "policy/BuiltinP2pSignatures.h"
#include "tests/support/TempDir.h"

using namespace mamori;

TEST_CASE("a known name is refused in scope and allowed outside it; audit and deny_exec off allow") {
  testsupport::TempDir dir;
  const std::string client = dir.file("ctorrent");
  const std::string other = dir.file("editor");
  { std::ofstream(client) << "binary"; }
  { std::ofstream(other) << "binary too"; }
  drivers::fake::FakeProcesses processes;
  drivers::ProcessInfo inside;
  inside.pid = 10;
  inside.ppid = 1;
  processes.add(inside, 7);
  drivers::ProcessInfo outside;
  outside.pid = 20;
  outside.ppid = 1;
  processes.add(outside, 8);
  auto scope = agent::p2p::P2pScope::resolve("pidns:10", processes);
  REQUIRE(scope.ok());
  drivers::linux_os::FileHashCache hashes;
  agent::p2p::ExecDecider decider(processes, scope.value(), hashes);
  policy::P2pGuardSettings settings;
  settings.signatureSets = policy::builtinP2pSignatureSets();
  decider.apply(settings);

  const common::UniqueFd clientFd(::open(client.c_str(), O_RDONLY | O_CLOEXEC));
  const common::UniqueFd otherFd(::open(other.c_str(), O_RDONLY | O_CLOEXEC));
  auto denied = decider.decide(10, clientFd.get(), client);
  CHECK_FALSE(denied.allow);
  REQUIRE_FALSE(denied.verdict.evidence.empty());
  CHECK(denied.verdict.evidence[0].matched == "ctorrent");
  CHECK(decider.decide(10, clientFd.get(), client).allow == false);  // cached, same answer
  CHECK(decider.decide(20, clientFd.get(), client).allow);           // another pid namespace
  CHECK(decider.decide(99, clientFd.get(), client).allow);           // unknown caller
  auto clean = decider.decide(10, otherFd.get(), other);
  CHECK(clean.allow);
  CHECK(clean.facts.exeSha256.size() == 64);

  settings.denyExec = false;
  decider.apply(settings);
  CHECK(decider.decide(10, clientFd.get(), client).allow);
  settings.denyExec = true;
  settings.mode = policy::Mode::kAudit;
  decider.apply(settings);
  CHECK(decider.decide(10, clientFd.get(), client).allow);
}
