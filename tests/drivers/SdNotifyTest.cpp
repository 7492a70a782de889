// sd_notify written by hand: the datagram arrives on a real AF_UNIX socket, path and abstract forms.
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/UniqueFd.h"
#include "drivers/linux/SdNotify.h"
#include "tests/support/TempDir.h"

using mamori::common::UniqueFd;
using mamori::drivers::linux_os::sdNotify;

namespace {

UniqueFd boundSocket(const std::string& name, bool abstract) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + (abstract ? 1 : 0), name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 1 : 0));
  REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0);
  return fd;
}

std::string receive(const UniqueFd& fd) {
  char buffer[512];
  const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
  REQUIRE(n >= 0);
  return std::string(buffer, static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("sd_notify sends one datagram to a socket path") {
  mamori::testsupport::TempDir dir;
  const std::string path = dir.file("notify");
  UniqueFd server = boundSocket(path, false);
  REQUIRE(sdNotify(path, "READY=1\nSTATUS=running").ok());
  CHECK(receive(server) == "READY=1\nSTATUS=running");
  REQUIRE(sdNotify(path, "WATCHDOG=1").ok());
  CHECK(receive(server) == "WATCHDOG=1");
}

TEST_CASE("sd_notify reaches an abstract socket written as @name") {
  const std::string name = "mamori-test-notify-" + std::to_string(::getpid());
  UniqueFd server = boundSocket(name, true);
  REQUIRE(sdNotify("@" + name, "STOPPING=1").ok());
  CHECK(receive(server) == "STOPPING=1");
}

TEST_CASE("sd_notify without a service manager does nothing; bad sockets are errors") {
  CHECK(sdNotify("", "READY=1").ok());
  mamori::testsupport::TempDir dir;
  auto missing = sdNotify(dir.file("nobody-listens"), "READY=1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().describe().find("nobody-listens") != std::string::npos);
  CHECK_FALSE(sdNotify("relative/path", "READY=1").ok());
  CHECK_FALSE(sdNotify("/" + std::string(200, 'x'), "READY=1").ok());
}

// setenv is not thread-safe; this test runs on doctest's only thread.
// NOLINTBEGIN(concurrency-mt-unsafe)
TEST_CASE("the watchdog interval comes from WATCHDOG_USEC for this process only") {
  const std::string self = std::to_string(::getpid());
  const std::string other = std::to_string(::getpid() + 1);
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::unsetenv("WATCHDOG_PID");
  CHECK(mamori::drivers::linux_os::watchdogIntervalMsFromEnvironment() == 20000);
  ::setenv("WATCHDOG_PID", other.c_str(), 1);
  CHECK(mamori::drivers::linux_os::watchdogIntervalMsFromEnvironment() == 0);
  ::setenv("WATCHDOG_PID", self.c_str(), 1);
  CHECK(mamori::drivers::linux_os::watchdogIntervalMsFromEnvironment() == 20000);
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  CHECK(mamori::drivers::linux_os::watchdogIntervalMsFromEnvironment() == 0);
}
// NOLINTEND(concurrency-mt-unsafe)
