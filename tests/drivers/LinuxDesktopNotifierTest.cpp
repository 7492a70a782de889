// The desktop notifier with the real notify-send's option parser: a program standing in for it records
// its arguments and what /usr/bin/notify-send says of them (there is no session bus, so at best it
// reaches "Could not connect").
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>

#include "common/Files.h"
#include "common/UniqueFd.h"
#include "drivers/linux/LinuxDesktopNotifier.h"
#include "tests/support/TempDir.h"

TEST_CASE("a device name starting with '-' reaches notify-send as the body, never as an option") {
  if (::geteuid() != 0 || ::access("/usr/bin/notify-send", X_OK) != 0) {
    MESSAGE("skipped: needs root (the notifier becomes the session's user) and notify-send");
    return;
  }
  constexpr uid_t kUser = 65534;  // nobody: the session's user the notifier switches to
  mamori::testsupport::TempDir dir("mamori-notifier");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const std::string runtime = dir.file("run");
  const std::string session = runtime + "/" + std::to_string(kUser);
  const std::string out = dir.file("out");
  REQUIRE(::mkdir(runtime.c_str(), 0755) == 0);
  REQUIRE(::mkdir(session.c_str(), 0755) == 0);
  REQUIRE(::mkdir(out.c_str(), 0777) == 0);
  REQUIRE(::chmod(out.c_str(), 0777) == 0);
  mamori::common::UniqueFd bus(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string busPath = session + "/bus";
  REQUIRE(busPath.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, busPath.data(), busPath.size());
  REQUIRE(::bind(bus.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::chown(busPath.c_str(), kUser, kUser) == 0);
  const std::string program = dir.file("notify");
  REQUIRE(mamori::common::writeFileAtomically(
              program,
              "#!/bin/sh\n"
              "printf '%s\\n' \"$@\" > " +
                  out +
                  "/args.tmp\n"
                  "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent /usr/bin/notify-send \"$@\" "
                  "> " +
                  out +
                  "/said.tmp 2>&1\n"
                  "mv " +
                  out + "/said.tmp " + out + "/said; mv " + out + "/args.tmp " + out + "/args\n",
              0755)
              .ok());

  mamori::drivers::LinuxDesktopNotifier notifier(runtime, program);
  notifier.notify("Device blocked by company policy",
                  "--urgency=low cannot be used on this PC: company files must not leave it this way.");
  for (int i = 0; i < 200 && !mamori::common::fileExists(out + "/args"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto args = mamori::common::readSmallFile(out + "/args");
  REQUIRE(args.ok());
  auto text = mamori::common::readSmallFile(out + "/said");
  REQUIRE(text.ok());
  CHECK(args.value().find("--\nDevice blocked by company policy\n--urgency=low cannot be used") != std::string::npos);
  // notify-send took the body as text: it got as far as the (missing) bus, with no complaint about options.
  CHECK(text.value().find("Unknown urgency") == std::string::npos);
  CHECK(text.value().find("Could not connect") != std::string::npos);
}
