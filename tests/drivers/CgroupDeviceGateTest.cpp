// The cgroup BPF device gate on the real kernel (root, cgroup v2): attached to a cgroup the test
// makes (never the machine's root cgroup), a process inside it cannot open /dev/null (char 1:3)
// for writing under a read-only rule, can read it, cannot open it at all under a rule for the whole
// major, and every refusal comes back with the process that asked.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "drivers/linux/CgroupDeviceGate.h"

using mamori::drivers::DeviceAccess;
using mamori::drivers::DeviceNumber;
using mamori::drivers::kAnyMinor;
using mamori::drivers::linux_os::CgroupDeviceGate;

namespace {

std::string cgroup2Root() {
  for (const char* dir : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs info {};
    if (::statfs(dir, &info) == 0 && info.f_type == 0x63677270) return dir;
  }
  return {};
}

// Moves a child into cgroup and opens /dev/null there: 0 = opened, else the errno.
int openInCgroup(const std::string& cgroup, int flags) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::ofstream(cgroup + "/cgroup.procs") << ::getpid() << std::flush;
    const int fd = ::open("/dev/null", flags);
    ::_exit(fd >= 0 ? 0 : (errno & 0x7f));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("device rules are enforced by the kernel for a cgroup, with who was refused") {
  const std::string root = cgroup2Root();
  if (root.empty() || ::geteuid() != 0) {
    MESSAGE("skipped: the device gate needs root and a cgroup v2 hierarchy");
    return;
  }
  const std::string cgroup = root + "/mamori-gate-test-" + std::to_string(::getpid());
  std::filesystem::create_directory(cgroup);
  {
    const DeviceNumber null{false, 1, 3};
    CgroupDeviceGate idle(cgroup);  // made by the composition root, started by the first channel
    CHECK_FALSE(idle.set(null, DeviceAccess::kNone).ok());
    CHECK(idle.refused().empty());
    auto gate = CgroupDeviceGate::makeStarted(cgroup);
    REQUIRE_MESSAGE(gate.ok(), gate.error().describe());
    CHECK(gate.value()->start().ok());           // the second channel's start: the first one's outcome
    CHECK(openInCgroup(cgroup, O_WRONLY) == 0);  // no rule yet
    REQUIRE(gate.value()->set(null, DeviceAccess::kReadOnly).ok());
    CHECK(openInCgroup(cgroup, O_RDONLY) == 0);
    CHECK(openInCgroup(cgroup, O_WRONLY) == EPERM);
    CHECK(openInCgroup(cgroup, O_RDWR) == EPERM);
    CHECK(::open("/dev/null", O_WRONLY) >= 0);  // outside the cgroup: untouched (fd closed at exit)
    auto refused = gate.value()->refused();
    REQUIRE(refused.size() == 2);
    CHECK(refused[0].device == null);
    CHECK(refused[0].wantedWrite);
    CHECK_FALSE(refused[0].wantedRead);
    CHECK(refused[1].wantedRead);
    if (gate.value()->reportsProcess()) {
      CHECK(refused[0].pid > 0);
      CHECK(refused[0].uid == 0);
      CHECK_FALSE(refused[0].command.empty());
    }
    CHECK(gate.value()->refused().empty());
    // A rule for the whole major; the minor's own rule wins over it.
    REQUIRE(gate.value()->set({false, 1, kAnyMinor}, DeviceAccess::kNone).ok());
    CHECK(openInCgroup(cgroup, O_RDONLY) == 0);
    REQUIRE(gate.value()->set(null, DeviceAccess::kAll).ok());  // an explicit allow wins too
    CHECK(openInCgroup(cgroup, O_RDWR) == 0);
    REQUIRE(gate.value()->clear(null).ok());
    CHECK(openInCgroup(cgroup, O_RDONLY) == EPERM);
    REQUIRE(gate.value()->clear({false, 1, kAnyMinor}).ok());
    CHECK(openInCgroup(cgroup, O_RDWR) == 0);
    (void)gate.value()->refused();
    // A second gate (the agent restarted after a crash) takes the first one's place.
    REQUIRE(gate.value()->set(null, DeviceAccess::kNone).ok());
    auto second = CgroupDeviceGate::makeStarted(cgroup);
    REQUIRE(second.ok());
    CHECK(openInCgroup(cgroup, O_RDONLY) == 0);
    REQUIRE(second.value()->set(null, DeviceAccess::kReadOnly).ok());
    CHECK(openInCgroup(cgroup, O_WRONLY) == EPERM);
    second.value().reset();
    CHECK(openInCgroup(cgroup, O_WRONLY) == 0);  // stopped: detached
  }
  std::filesystem::remove(cgroup);
}
