#include <doctest/doctest.h>

#include "drivers/linux/LinuxMmcBus.h"
#include "tests/drivers/SysfsFixture.h"

using mamori::drivers::linux_os::LinuxMmcBus;
using mamori::drivers::test::SysfsCopy;

TEST_CASE("cards of the recorded card reader tree") {
  SysfsCopy sys("cardreader");
  LinuxMmcBus bus(sys.root());
  CHECK(bus.present());
  auto names = bus.cardNames();
  REQUIRE(names.ok());
  CHECK(names.value() == std::vector<std::string>{"mmc0:aaaa", "mmc1:0001"});
  auto sd = bus.card("mmc0:aaaa");
  REQUIRE(sd.ok());
  CHECK(sd.value().type == "SD");
  CHECK(sd.value().cid == "035344534433324780b1d2e3f4016200");
  CHECK(sd.value().serial == "0x80b1d2e3");
  CHECK(sd.value().productName == "SD32G");
  CHECK(sd.value().devpath == "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:aaaa");
  CHECK(sd.value().bound);
  auto blocks = bus.blockDevicesUnder(sd.value().devpath);
  REQUIRE(blocks.ok());
  CHECK(blocks.value() == std::vector<std::string>{"mmcblk0", "mmcblk0p1"});
  CHECK(bus.card("mmc1:0001").value().type == "MMC");
  CHECK_FALSE(bus.card("mmc9:0001").ok());
  CHECK_FALSE(bus.card("../mmc0:aaaa").ok());
}

TEST_CASE("autoprobe, bind and unbind land in the bus's attribute files") {
  SysfsCopy sys("cardreader");
  LinuxMmcBus bus(sys.root());
  REQUIRE(bus.setAutoprobe(false).ok());
  CHECK(sys.attribute("bus/mmc/drivers_autoprobe") == "0");
  REQUIRE(bus.unbind("mmc0:aaaa").ok());
  CHECK(sys.attribute("bus/mmc/drivers/mmcblk/unbind") == "mmc0:aaaa");
  REQUIRE(bus.bind("mmc0:aaaa").ok());
  CHECK(sys.attribute("bus/mmc/drivers_probe") == "mmc0:aaaa");
}

TEST_CASE("a machine without an mmc bus") {
  SysfsCopy sys("desktop");
  CHECK_FALSE(LinuxMmcBus(sys.root()).present());
}
