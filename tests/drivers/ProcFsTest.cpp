// ProcFs over the recorded tree and over the real /proc; the hash cache over real files.
#include <poll.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sys/wait.h>

#include "common/Crypto.h"
#include "drivers/linux/FileHashCache.h"
#include "drivers/linux/PidfdProcessControl.h"
#include "drivers/linux/ProcConnector.h"
#include "drivers/linux/ProcFs.h"
#include "tests/support/TempDir.h"

using namespace mamori::drivers::linux_os;

TEST_CASE("a recorded process read through ProcFs") {
  ProcFs proc(MAMORI_PROC_FIXTURES);
  auto info = proc.read(4242);
  REQUIRE(info.ok());
  CHECK(info.value().pid == 4242);
  CHECK(info.value().ppid == 7049);
  CHECK(info.value().comm == "python3");
  CHECK(info.value().user == "root");
  CHECK(info.value().argv.size() == 4);
  CHECK(info.value().exePath == "/usr/bin/python3.11");
  CHECK(info.value().mappings.front().path == "/usr/bin/python3.11");
  CHECK(info.value().startTime == 1066826);

  auto kthread = proc.read(2);
  REQUIRE(kthread.ok());
  CHECK(kthread.value().kernelThread);
  CHECK(kthread.value().argv.empty());

  CHECK_FALSE(proc.read(99999).ok());
  CHECK(proc.pids() == std::vector<pid_t>{2, 4242, 4243, 4244, 4245});
  CHECK(proc.snapshot().size() == 5);
  auto cgroup = proc.cgroup(4242);
  REQUIRE(cgroup.ok());
  CHECK(cgroup.value() == "/user.slice/user-1000.slice/session-2.scope");
  CHECK_FALSE(proc.cgroup(4243).ok());
}

TEST_CASE("the real /proc: this process is found with its exe and start time") {
  ProcFs proc;
  auto self = proc.read(::getpid());
  REQUIRE(self.ok());
  CHECK(self.value().exePath.find("drivers_tests") != std::string::npos);
  CHECK(self.value().exe.known());
  CHECK(self.value().startTime > 0);
  bool found = false;
  for (const auto& info : proc.snapshot()) found = found || info.pid == ::getpid();
  CHECK(found);
  auto ns = proc.pidNamespace(::getpid());
  REQUIRE(ns.ok());
  CHECK(ns.value() > 0);
}

TEST_CASE("the hash cache hashes once per file version and sees a rewrite") {
  mamori::testsupport::TempDir dir;
  const std::string path = dir.path() + "/prog";
  { std::ofstream(path) << "first"; }
  FileHashCache cache;
  auto first = cache.sha256(path);
  REQUIRE(first.ok());
  CHECK(first.value() == mamori::common::sha256Hex("first"));
  REQUIRE(cache.sha256(path).ok());
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);
  { std::ofstream(path) << "second, longer"; }
  auto second = cache.sha256(path);
  REQUIRE(second.ok());
  CHECK(second.value() == mamori::common::sha256Hex("second, longer"));
  CHECK_FALSE(cache.sha256(dir.path() + "/missing").ok());
}

TEST_CASE("the real proc connector announces the exec and exit of a child") {
  auto connector = ProcConnector::open();
  if (!connector) {
    MESSAGE("proc connector unavailable (not root?): " << connector.error().describe());
    return;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/true", "true", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  bool exec = false;
  bool exit = false;
  for (int round = 0; round < 200 && !(exec && exit); ++round) {
    pollfd waiting{connector.value()->fd(), POLLIN, 0};
    ::poll(&waiting, 1, 10);
    auto batch = connector.value()->drain();
    REQUIRE(batch.ok());
    for (const auto& event : batch.value().events) {
      if (event.pid != child) continue;
      exec = exec || event.kind == mamori::drivers::ProcessEvent::Kind::kExec;
      exit = exit || event.kind == mamori::drivers::ProcessEvent::Kind::kExit;
    }
  }
  CHECK(exec);
  CHECK(exit);
}

TEST_CASE("pidfd kill refuses a wrong start time and kills the right process") {
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ProcFs proc;
  auto info = proc.read(child);
  REQUIRE(info.ok());
  const auto children = proc.children(::getpid());
  CHECK(std::find(children.begin(), children.end(), child) != children.end());
  PidfdProcessControl control;
  CHECK_FALSE(control.kill(child, info.value().startTime + 1).ok());
  REQUIRE(control.kill(child, info.value().startTime).ok());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}
