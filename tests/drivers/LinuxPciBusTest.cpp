#include <doctest/doctest.h>

#include <string>

#include "drivers/linux/LinuxPciBus.h"
#include "drivers/linux/PciSysfsParser.h"
#include "tests/drivers/SysfsFixture.h"

using mamori::drivers::linux_os::hotPlugSlotOf;
using mamori::drivers::linux_os::LinuxPciBus;
using mamori::drivers::linux_os::parseDeviceSerialNumber;
using mamori::drivers::linux_os::parsePciHex;
using mamori::drivers::test::SysfsCopy;

namespace {
// Config space with extended capabilities [(offset, header)] and a serial at the DSN's offset.
std::string config(std::size_t size, const std::vector<std::pair<std::size_t, std::uint32_t>>& headers) {
  std::string bytes(size, '\0');
  for (const auto& [at, header] : headers) {
    for (std::size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((header >> (8 * i)) & 0xffU);
  }
  return bytes;
}
}  // namespace

TEST_CASE("PCI hex attributes") {
  CHECK(parsePciHex("0x1b36\n", 4) == 0x1b36U);
  CHECK(parsePciHex("0x010802", 6) == 0x010802U);
  CHECK(parsePciHex("0X00AB", 4) == 0xabU);
  CHECK_FALSE(parsePciHex("0x1b367", 4));
  CHECK_FALSE(parsePciHex("1b36", 4));
  CHECK_FALSE(parsePciHex("0x", 4));
  CHECK_FALSE(parsePciHex("0x1g36", 4));
  CHECK_FALSE(parsePciHex("0x1b36\n\n", 4));
  CHECK_FALSE(parsePciHex("", 4));
  CHECK_FALSE(parsePciHex("-0x1", 4));
}

TEST_CASE("the Device Serial Number capability in config space") {
  auto bytes = config(4096, {{0x100, 0x14820001U}, {0x148, 0x00010003U}});
  const std::string serial("\x55\x44\x33\xfe\xff\x22\x11\x00", 8);  // all 8 bytes: the last is 0
  bytes.replace(0x14c, 8, serial);
  CHECK(parseDeviceSerialNumber(bytes) == "00-11-22-ff-fe-33-44-55");
  CHECK(parseDeviceSerialNumber(bytes.substr(0, 256)).empty());    // not root: 256 bytes, no extended space
  CHECK(parseDeviceSerialNumber(bytes.substr(0, 0x150)).empty());  // cut inside the capability
  CHECK(parseDeviceSerialNumber(config(4096, {{0x100, 0x00010001U}})).empty());  // no DSN
  CHECK(parseDeviceSerialNumber(config(4096, {})).empty());
  // Hostile lists: a loop, a pointer back into the standard header, one past the end.
  CHECK(parseDeviceSerialNumber(config(4096, {{0x100, 0x10010001U}})).empty());
  CHECK(parseDeviceSerialNumber(config(4096, {{0x100, 0x0c010001U}})).empty());
  CHECK(parseDeviceSerialNumber(config(4096, {{0x100, 0xffc10001U}, {0xffc, 0x00010003U}})).empty());
  CHECK(parseDeviceSerialNumber(config(4096, {{0x100, 0xffffffffU}})).empty());
  CHECK(parseDeviceSerialNumber(config(4200, {{0x100, 0xffc10001U}})).empty());
}

TEST_CASE("the hot-plug slot of a device, directly in it or bridges below it") {
  const std::vector<std::pair<std::string, std::string>> slots = {{"7", "0000:05:00"}, {"1", "0000:01:00"}};
  CHECK(hotPlugSlotOf("/devices/pci0000:00/0000:00:02.0/0000:01:00.0", slots) == "1");
  // A Thunderbolt enclosure: the NVMe drive sits below the enclosure's own switch.
  CHECK(hotPlugSlotOf("/devices/pci0000:00/0000:00:02.0/0000:01:00.0/0000:02:01.0/0000:03:00.0", slots) == "1");
  CHECK(hotPlugSlotOf("/devices/pci0000:00/0000:00:1c.0/0000:02:00.0", slots).empty());
  CHECK(hotPlugSlotOf("/devices/pci0000:00/0000:00:1C.0/0000:05:00.1", slots) == "7");
  CHECK(hotPlugSlotOf("", slots).empty());
  CHECK(hotPlugSlotOf("0000:01:00.0", slots) == "1");
  CHECK(hotPlugSlotOf("/devices/0000:01:00", slots).empty());  // not a function address
  CHECK(hotPlugSlotOf("/devices/0000:01:0g.0", slots).empty());
  CHECK(hotPlugSlotOf("/devices/pci0000:00/0000:01:00.0", {{"x", "0000:01:00:0"}}).empty());
}

TEST_CASE("devices of the recorded PCIe tree") {
  SysfsCopy sys("pcie");
  LinuxPciBus bus(sys.root());
  REQUIRE(bus.present());
  auto names = bus.deviceNames();
  REQUIRE(names.ok());
  CHECK(names.value().size() == 6);
  auto nvme = bus.device("0000:01:00.0");
  REQUIRE(nvme.ok());
  CHECK(nvme.value().vendorId == 0x1b36);
  CHECK(nvme.value().deviceId == 0x0010);
  CHECK(nvme.value().classCode == 0x010802);
  CHECK(nvme.value().subsystemVendorId == 0x1af4);
  CHECK(nvme.value().serial == "00-11-22-ff-fe-33-44-55");
  CHECK(nvme.value().slot == "1");
  CHECK(nvme.value().driver == "nvme");
  CHECK(nvme.value().driverOverride.empty());
  CHECK(nvme.value().devpath == "/devices/pci0000:00/0000:00:02.0/0000:01:00.0");
  auto blocks = bus.blockDevicesUnder(nvme.value().devpath);
  REQUIRE(blocks.ok());
  CHECK(blocks.value() == std::vector<std::string>{"nvme0n1"});
  auto system = bus.device("0000:02:00.0");
  REQUIRE(system.ok());
  CHECK(system.value().slot.empty());
  CHECK(system.value().serial.empty());
  CHECK(bus.device("0000:00:1f.3").value().driver.empty());
  CHECK_FALSE(bus.device("0000:09:00.0").ok());
  CHECK_FALSE(bus.device("../0000:01:00.0").ok());
}

TEST_CASE("override, unbind and probe land in the attribute files") {
  SysfsCopy sys("pcie");
  LinuxPciBus bus(sys.root());
  REQUIRE(bus.setDriverOverride("0000:01:00.0", "mamori-blocked").ok());
  CHECK(sys.attribute("devices/pci0000:00/0000:00:02.0/0000:01:00.0/driver_override") == "mamori-blocked");
  CHECK(bus.device("0000:01:00.0").value().driverOverride == "mamori-blocked");
  REQUIRE(bus.setDriverOverride("0000:01:00.0", "").ok());
  // One write of "\n" clears it (a plain file keeps the old bytes after it: sysfs does not).
  CHECK(mamori::drivers::test::readFile(sys.root() + "/devices/pci0000:00/0000:00:02.0/0000:01:00.0/driver_override")
            .rfind('\n', 0) == 0);
  REQUIRE(bus.unbind("0000:01:00.0").ok());
  CHECK(sys.attribute("bus/pci/drivers/nvme/unbind") == "0000:01:00.0");
  REQUIRE(bus.unbind("0000:00:1f.3").ok());  // nothing bound: nothing written
  REQUIRE(bus.probe("0000:01:00.0").ok());
  CHECK(sys.attribute("bus/pci/drivers_probe") == "0000:01:00.0");
  CHECK_FALSE(bus.setDriverOverride("..", "x").ok());
}

TEST_CASE("a hostile class or vendor value is an error, never a device") {
  SysfsCopy sys("pcie");
  sys.write("devices/pci0000:00/0000:00:02.0/0000:01:00.0/class", "0x01080200");
  CHECK_FALSE(LinuxPciBus(sys.root()).device("0000:01:00.0").ok());
  sys.write("devices/pci0000:00/0000:00:02.0/0000:01:00.0/class", "0x010802");
  sys.write("devices/pci0000:00/0000:00:02.0/0000:01:00.0/vendor", "nvme");
  CHECK_FALSE(LinuxPciBus(sys.root()).device("0000:01:00.0").ok());
}
