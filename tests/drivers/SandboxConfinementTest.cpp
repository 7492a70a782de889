// The confinement a sandbox worker applies to itself, on the real kernel: a forked child confines
// itself, then tries what an exploited parser would. The test runs as root (CI does), so the drop to
// nobody is exercised too.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <new>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "drivers/linux/SandboxConfinement.h"

using mamori::drivers::confineCurrentProcess;
using mamori::drivers::SandboxConfinement;

namespace {

// Runs body in a confined child; the child's wait status. body's return value is the exit code.
int inConfinedChild(const std::function<int()>& body, std::int64_t addressSpace = 1LL << 30) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    SandboxConfinement c;
    c.channelFd = 2;  // keep stderr for doctest's sake; close everything above
    c.addressSpaceBytes = addressSpace;
    if (!confineCurrentProcess(c)) ::_exit(100);
    ::_exit(body());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

std::string readProcStatus(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool killedBySigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }

}  // namespace

TEST_CASE("a confined process that opens a file dies by SIGSYS") {
  const int status = inConfinedChild([] { return ::open("/etc/hostname", O_RDONLY) >= 0 ? 0 : 1; });
  CHECK(killedBySigsys(status));
}

TEST_CASE("a confined process that makes a socket dies by SIGSYS") {
  CHECK(killedBySigsys(inConfinedChild([] { return ::socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; })));
  CHECK(killedBySigsys(inConfinedChild([] { return ::socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1; })));
}

TEST_CASE("a confined process cannot exec, fork or map executable memory") {
  CHECK(killedBySigsys(inConfinedChild([] {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};  // NOLINT
    ::execv("/bin/true", argv);
    return 1;
  })));
  CHECK(killedBySigsys(inConfinedChild([] { return ::fork() >= 0 ? 0 : 1; })));
  CHECK(killedBySigsys(inConfinedChild([] {
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? 1 : 0;
  })));
}

TEST_CASE("a confined process parses: memory works, descriptors above its channel are closed") {
  std::array<int, 2> pair{};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair.data()) == 0);
  const int status = inConfinedChild(
      [&] {
        std::vector<char> big(64U << 20U, 'x');  // heap through mmap, under the address-space limit
        const char out = big[1000];
        // pair[1] is above the channel (stderr here): the confinement closed it.
        if (::write(pair[1], &out, 1) == 1) return 3;
        return errno == EBADF ? 2 : 4;
      },
      1LL << 30);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST_CASE("the address-space limit turns an unbounded allocation into bad_alloc") {
  const int status = inConfinedChild(
      [] {
        try {
          std::vector<char*> held;
          for (;;) held.push_back(new char[16U << 20U]);
        } catch (const std::bad_alloc&) {
          return 7;
        }
      },
      256LL << 20);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
}

TEST_CASE("started as root, the confined process runs as nobody without capabilities") {
  if (::geteuid() != 0) {
    FAIL("this test must run as root (CI does): it checks the drop of root");
    return;
  }
  // The child cannot even ask who it is (getuid is not allowed): look at it from outside while it
  // waits on a pipe, the only descriptor it keeps besides 0-2.
  std::array<int, 2> pipe{};
  REQUIRE(::pipe(pipe.data()) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe[1]);
    SandboxConfinement c;
    c.channelFd = pipe[0];
    if (!confineCurrentProcess(c)) ::_exit(100);
    char byte = 0;
    ::_exit(::read(pipe[0], &byte, 1) == 0 ? 0 : 1);
  }
  ::close(pipe[0]);
  // Wait (with a deadline) until the child has confined itself: the filter is the last step.
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    status = readProcStatus(pid);
    if (status.find("Seccomp:\t2") != std::string::npos) break;
    std::this_thread::yield();
  }
  CHECK(status.find("NoNewPrivs:\t1") != std::string::npos);
  CHECK(status.find("Seccomp:\t2") != std::string::npos);
  CHECK(status.find("Uid:\t65534\t65534\t65534\t65534") != std::string::npos);
  CHECK(status.find("CapEff:\t0000000000000000") != std::string::npos);
  CHECK(status.find("CapPrm:\t0000000000000000") != std::string::npos);
  ::close(pipe[1]);
  int wait = 0;
  REQUIRE(::waitpid(pid, &wait, 0) == pid);
  CHECK(WIFEXITED(wait));
  CHECK(WEXITSTATUS(wait) == 0);
}

TEST_CASE("under a service manager's filter that refuses seccomp() itself, confinement still holds") {
  // The agent's systemd unit (SystemCallFilter=@system-service) answers seccomp() with EPERM: the
  // worker's own filter must still load (through prctl) and still kill on open.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The outer filter is raw BPF, as systemd loads it: libseccomp in this process has probed
    // nothing yet, exactly as in a freshly started worker.
    std::array<sock_filter, 4> code{{
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    }};
    sock_fprog outer{static_cast<unsigned short>(code.size()), code.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &outer) != 0)
      ::_exit(101);
    SandboxConfinement c;
    c.channelFd = 2;
    if (!confineCurrentProcess(c)) ::_exit(100);
    ::_exit(::open("/etc/hostname", O_RDONLY) >= 0 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(killedBySigsys(status));
}
