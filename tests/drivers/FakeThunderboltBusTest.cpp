// The fake Thunderbolt bus the agent's tests decide devices on: it starts from the recorded laptop
// (tests/fixtures/sysfs/thunderbolt) as LinuxThunderboltBus reads it, and refuses the writes the
// kernel refuses, so a test over it cannot pass on what a real PC would reject.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "drivers/fake/FakeThunderboltBus.h"

using mamori::common::ErrorKind;
using mamori::drivers::ThunderboltDevice;
using mamori::drivers::fake::FakeThunderboltBus;

namespace {

constexpr char kKey[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";  // 64 hex digits

}  // namespace

TEST_CASE("the fake starts from the recorded laptop: device routers only, as the kernel shows them") {
  auto bus = FakeThunderboltBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/thunderbolt");
  CHECK(bus.present());
  CHECK(bus.deviceNames().value() == std::vector<std::string>{"0-1", "0-301", "1-1", "2-1"});
  CHECK(bus.at("0-301").security == "user");
  CHECK(bus.at("0-301").authorized == 0);
  CHECK(bus.at("0-1").authorized == 1);  // the dock the firmware let in at boot
  CHECK(bus.at("1-1").hasKey);           // level secure
  CHECK(bus.device("0-9").error().kind == ErrorKind::kNotFound);
  CHECK_FALSE(FakeThunderboltBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/desktop").present());
}

TEST_CASE("authorized changes once each way; a key only at secure; 0 only where the domain can") {
  auto bus = FakeThunderboltBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/thunderbolt");
  REQUIRE(bus.authorize("0-301", "", false).ok());
  CHECK(bus.at("0-301").authorized == 1);
  CHECK_FALSE(bus.authorize("0-301", "", false).ok());  // already authorized: EINVAL
  CHECK_FALSE(bus.authorize("2-1", kKey, false).ok());  // level none: no key file
  REQUIRE(bus.authorize("1-1", kKey, true).ok());       // secure: key, then the challenge
  CHECK(bus.at("1-1").authorized == 2);
  CHECK_FALSE(bus.deauthorize("1-1").ok());  // domain1 cannot deauthorize
  CHECK(bus.at("1-1").authorized == 2);
  REQUIRE(bus.deauthorize("0-301").ok());  // domain0 can
  CHECK(bus.at("0-301").authorized == 0);
  CHECK_FALSE(bus.deauthorize("0-301").ok());  // not authorized: EINVAL
  CHECK(bus.writes() == std::vector<std::string>{"authorized 0-301 1", "authorized 0-301 1",
                                                 std::string("key 1-1 ") + kKey, "authorized 1-1 2", "authorized 1-1 0",
                                                 "authorized 0-301 0", "authorized 0-301 0"});
}

TEST_CASE("a plugged device waits at user and secure; the kernel authorizes it itself at none") {
  FakeThunderboltBus bus;
  CHECK_FALSE(bus.present());
  ThunderboltDevice device;
  device.name = "0-3";
  device.security = "user";
  device.authorized = 1;  // what the test wrote is not what the kernel does
  bus.plug(device);
  CHECK(bus.present());
  CHECK(bus.at("0-3").authorized == 0);
  device.name = "2-3";
  device.security = "none";
  bus.plug(device);
  CHECK(bus.at("2-3").authorized == 1);
  bus.unplug("0-3");
  CHECK(bus.deviceNames().value() == std::vector<std::string>{"2-3"});
}
