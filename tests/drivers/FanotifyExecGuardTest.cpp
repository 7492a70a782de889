// The exec permission guard on the real kernel (root): a program the decision refuses cannot start,
// others can; the guard's own process is never asked about.
#include <spawn.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <sys/wait.h>

#include "drivers/linux/FanotifyExecGuard.h"
#include "tests/support/TempDir.h"

using mamori::drivers::linux_os::ExecRequest;
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
        return request.path != refused;
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
