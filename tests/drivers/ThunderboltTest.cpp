// Thunderbolt/USB4: the sysfs parsers with strings, and LinuxThunderboltBus over a copy of the
// recorded tree of a laptop with three domains (tests/fixtures/sysfs/thunderbolt): which entries are
// devices, their facts, and what authorize/deauthorize write.
#include <doctest/doctest.h>

#include "drivers/linux/LinuxThunderboltBus.h"
#include "drivers/linux/ThunderboltSysfsParser.h"
#include "tests/drivers/SysfsFixture.h"

using namespace mamori::drivers::linux_os;
using mamori::drivers::test::SysfsCopy;

TEST_CASE("router names: devices are domain-route with a route other than 0") {
  CHECK(isThunderboltDeviceName("0-1"));
  CHECK(isThunderboltDeviceName("0-301"));
  CHECK(isThunderboltDeviceName("12-a0b"));
  CHECK_FALSE(isThunderboltDeviceName("0-0"));  // the host router
  CHECK_FALSE(isThunderboltDeviceName("0-000"));
  CHECK_FALSE(isThunderboltDeviceName("domain0"));
  CHECK_FALSE(isThunderboltDeviceName("0-1.1"));    // an XDomain
  CHECK_FALSE(isThunderboltDeviceName("0-0:1.1"));  // a retimer
  CHECK_FALSE(isThunderboltDeviceName("usb4_port1"));
  CHECK_FALSE(isThunderboltDeviceName("-1"));
  CHECK_FALSE(isThunderboltDeviceName("0-"));
  CHECK_FALSE(isThunderboltDeviceName("0-1/../x"));
  CHECK_FALSE(isThunderboltDeviceName("0-12345678901234567"));
}

TEST_CASE("authorized, security level, UUID and domain, strictly") {
  CHECK(parseThunderboltAuthorized("0\n") == 0);
  CHECK(parseThunderboltAuthorized("2") == 2);
  CHECK_FALSE(parseThunderboltAuthorized("3\n"));
  CHECK_FALSE(parseThunderboltAuthorized(""));
  CHECK(parseThunderboltSecurity("user\n") == "user");
  CHECK(parseThunderboltSecurity("nopcie") == "nopcie");
  CHECK(parseThunderboltSecurity("User\n").empty());
  CHECK(parseThunderboltSecurity("none extra").empty());
  CHECK(parseThunderboltUuid("0E6B4A2C-9B1F-4D3E-8C7A-112233445566\n") == "0e6b4a2c-9b1f-4d3e-8c7a-112233445566");
  CHECK(parseThunderboltUuid("0e6b4a2c9b1f4d3e8c7a112233445566").empty());
  CHECK(parseThunderboltUuid("0e6b4a2c-9b1f-4d3e-8c7a-11223344556g").empty());
  CHECK(parseThunderboltUuid("").empty());
  CHECK(thunderboltDomainOf("/devices/pci0000:00/0000:00:0d.2/domain0/0-0/0-1") == "domain0");
  CHECK(thunderboltDomainOf("/devices/domain12/12-0").empty() == false);
  CHECK(thunderboltDomainOf("/devices/domainX/0-0").empty());
  CHECK(thunderboltDomainOf("").empty());
}

TEST_CASE("the bus lists devices only, with their facts and their domain's level") {
  SysfsCopy tree("thunderbolt");
  LinuxThunderboltBus bus(tree.root());
  REQUIRE(bus.present());
  auto names = bus.deviceNames();
  REQUIRE(names.ok());
  CHECK(names.value() == std::vector<std::string>{"0-1", "0-301", "1-1", "2-1"});
  auto dock = bus.device("0-1");
  REQUIRE(dock.ok());
  CHECK(dock.value().authorized == 1);
  CHECK(dock.value().security == "user");
  CHECK(dock.value().canDeauthorize);
  CHECK(dock.value().uniqueId == "d4010000-0070-740e-0312-ce8a8c1b1d1e");
  CHECK(dock.value().vendorId == 0xd4);
  CHECK(dock.value().deviceId == 0xb070);
  CHECK(dock.value().deviceName == "WD19TB Thunderbolt Dock");
  CHECK_FALSE(dock.value().hasKey);
  auto enclosure = bus.device("0-301");
  REQUIRE(enclosure.ok());
  CHECK(enclosure.value().authorized == 0);
  CHECK(enclosure.value().uniqueId == "0e6b4a2c-9b1f-4d3e-8c7a-112233445566");
  CHECK(enclosure.value().deviceName == "Envoy Express?[2J");  // control bytes never reach events
  auto secure = bus.device("1-1");
  REQUIRE(secure.ok());
  CHECK(secure.value().security == "secure");
  CHECK(secure.value().hasKey);
  CHECK_FALSE(secure.value().canDeauthorize);
  CHECK(bus.device("2-1").value().security == "none");
  CHECK_FALSE(bus.device("0-0").ok());
  CHECK_FALSE(bus.device("../0-1").ok());
  CHECK_FALSE(bus.device("0-7").ok());

  REQUIRE(bus.authorize("0-301", "", false).ok());
  CHECK(tree.attribute("bus/thunderbolt/devices/0-301/authorized") == "1");
  const std::string key(64, 'a');
  REQUIRE(bus.authorize("1-1", key, true).ok());
  CHECK(tree.attribute("bus/thunderbolt/devices/1-1/key") == key);
  CHECK(tree.attribute("bus/thunderbolt/devices/1-1/authorized") == "2");
  REQUIRE(bus.deauthorize("0-1").ok());
  CHECK(tree.attribute("bus/thunderbolt/devices/0-1/authorized") == "0");
}

TEST_CASE("a machine without Thunderbolt") {
  SysfsCopy tree("pcie");
  LinuxThunderboltBus bus(tree.root());
  CHECK_FALSE(bus.present());
  CHECK_FALSE(bus.deviceNames().ok());
}
