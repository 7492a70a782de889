// The exec permission guard on the real kernel (root): a program the decision refuses cannot start,
// others can; the guard's own process is never asked about; a file remembered as allowed is not
// asked about again until it is modified or the guard forgets.
#include <spawn.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

#include "drivers/linux/FanotifyExecGuard.h"
#include "tests/support/TempDir.h"

using mamori::drivers::linux_os::ExecRequest;
using mamori::drivers::linux_os::ExecVerdict;
using mamori::drivers::linux_os::FanotifyExecGuard;

namespace {
// Runs path in a child that execs it (the child is another process: the guard asks about it).
int runInChild(const std::string& path) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
    ::_exit(errno == EPERM ? 77 : 127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("a refused program does not start; others do; errors never block") {
  mamori::testsupport::TempDir dir;
  const std::string refused = dir.file("refused-program");
  const std::string allowed = dir.file("allowed-program");
  std::filesystem::copy_file("/bin/true", refused);
  std::filesystem::copy_file("/bin/true", allowed);
  std::atomic<int> asked{0};
  auto guard = FanotifyExecGuard::start(
      {dir.path()},
      [&](const ExecRequest& request) {
        if (request.path.find("allowed-program") != std::string::npos) throw std::runtime_error("internal error");
        if (request.path.find(dir.path()) != std::string::npos) ++asked;
        return ExecVerdict{request.path != refused, false};
      },
      nullptr);
  if (!guard) {
    MESSAGE("fanotify exec permission events unavailable (not root?): " << guard.error().describe());
    return;
  }
  CHECK(runInChild(refused) == 77);  // execve failed with EPERM
  CHECK(runInChild(allowed) == 0);   // the decision threw: allowed
  CHECK(asked.load() >= 1);
  guard.value().reset();
  CHECK(runInChild(refused) == 0);  // the group is gone: nothing is held any more
}

TEST_CASE("a program remembered as allowed is not asked about again until it changes or is forgotten") {
  mamori::testsupport::TempDir dir;
  const std::string program = dir.file("remembered-program");
  std::filesystem::copy_file("/bin/true", program);
  std::atomic<int> asked{0};
  auto guard = FanotifyExecGuard::start(
      {dir.path()},
      [&](const ExecRequest& request) {
        if (request.path != program) return ExecVerdict{true, false};
        ++asked;
        return ExecVerdict{true, true};
      },
      nullptr);
  if (!guard) {
    MESSAGE("fanotify exec permission events unavailable (not root?): " << guard.error().describe());
    return;
  }
  REQUIRE(runInChild(program) == 0);
  CHECK(asked.load() == 1);
  CHECK(guard.value()->remembered() >= 1);
  for (int i = 0; i < 5; ++i) REQUIRE(runInChild(program) == 0);
  CHECK(asked.load() == 1);  // remembered: the kernel did not ask
  {
    // Modified in place (same inode): the kernel drops the mark and asks again.
    std::FILE* file = std::fopen(program.c_str(), "r+b");
    REQUIRE(file != nullptr);
    std::fseek(file, 0, SEEK_END);
    std::fputc(0, file);  // a byte after the ELF image changes nothing it runs
    std::fclose(file);
  }
  REQUIRE(runInChild(program) == 0);
  CHECK(asked.load() == 2);
  REQUIRE(runInChild(program) == 0);
  CHECK(asked.load() == 2);  // remembered again
  guard.value()->forgetAllowed();
  CHECK(guard.value()->remembered() == 0);
  REQUIRE(runInChild(program) == 0);
  CHECK(asked.load() == 3);  // forgotten: asked again
}

TEST_CASE("a refused or unremembered program is asked about every time") {
  mamori::testsupport::TempDir dir;
  const std::string program = dir.file("asked-program");
  std::filesystem::copy_file("/bin/true", program);
  std::atomic<int> asked{0};
  std::atomic<bool> refuse{true};
  auto guard = FanotifyExecGuard::start(
      {dir.path()},
      [&](const ExecRequest& request) {
        if (request.path != program) return ExecVerdict{true, false};
        ++asked;
        return ExecVerdict{!refuse.load(), true};  // "remember" on a refusal is ignored
      },
      nullptr);
  if (!guard) {
    MESSAGE("fanotify exec permission events unavailable (not root?): " << guard.error().describe());
    return;
  }
  CHECK(runInChild(program) == 77);
  CHECK(runInChild(program) == 77);
  CHECK(asked.load() == 2);
  CHECK(guard.value()->remembered() == 0);
}
