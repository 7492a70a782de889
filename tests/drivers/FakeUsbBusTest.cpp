#include <doctest/doctest.h>

#include "drivers/fake/FakeUsbBus.h"

using mamori::drivers::fake::FakeUsbBus;

TEST_CASE("the fake configures a device when it is authorized, with the bus's interface default") {
  auto bus = FakeUsbBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/desktop");
  CHECK(bus.present());
  CHECK_FALSE(bus.at("2-2").configured);
  REQUIRE(bus.setInterfaceAuthorizedDefault("usb2", false).ok());
  REQUIRE(bus.setDeviceAuthorized("2-2", true).ok());
  CHECK(bus.at("2-2").configured);
  CHECK(bus.at("2-2").interfaces[0].name == "2-2:1.0");
  CHECK_FALSE(bus.at("2-2").interfaces[0].authorized);
  bus.addBlockDevice("2-1", "sdb");
  CHECK(bus.blockDevicesUnder(bus.at("2-1").devpath).value() == std::vector<std::string>{"sda", "sda1", "sdb"});
  REQUIRE(bus.setDeviceAuthorized("2-1", false).ok());
  CHECK(bus.blockDevicesUnder(bus.at("2-1").devpath).value().empty());
  CHECK(bus.writes() ==
        std::vector<std::string>{"interface_authorized_default usb2 0", "authorized 2-2 1", "authorized 2-1 0"});
}
