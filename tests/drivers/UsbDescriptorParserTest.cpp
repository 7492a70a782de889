#include <doctest/doctest.h>

#include <string>

#include "drivers/linux/UsbDescriptorParser.h"
#include "tests/drivers/SysfsFixture.h"

using mamori::drivers::linux_os::parseUsbDescriptors;

TEST_CASE("the recorded composite device: interfaces of the first configuration, alternate settings skipped") {
  const std::string bytes =
      mamori::drivers::test::readFile(std::string(MAMORI_SYSFS_FIXTURES) + "/desktop/bus/usb/devices/1-2/descriptors");
  auto parsed = parseUsbDescriptors(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().vendorId == 0x1234);
  CHECK(parsed.value().productId == 0x5678);
  REQUIRE(parsed.value().interfaces.size() == 2);
  CHECK(parsed.value().interfaces[0].interfaceClass == 0x03);
  CHECK(parsed.value().interfaces[1].interfaceClass == 0x08);
  CHECK(parsed.value().interfaces[1].number == 1);
}

TEST_CASE("truncated and lying descriptors are errors") {
  const std::string bytes =
      mamori::drivers::test::readFile(std::string(MAMORI_SYSFS_FIXTURES) + "/desktop/bus/usb/devices/2-2/descriptors");
  REQUIRE(parseUsbDescriptors(bytes).ok());
  CHECK(parseUsbDescriptors(bytes.substr(0, 18)).ok());  // no configuration yet: no interfaces
  CHECK(parseUsbDescriptors(bytes.substr(0, 18)).value().interfaces.empty());
  CHECK_FALSE(parseUsbDescriptors(bytes.substr(0, 10)).ok());
  CHECK_FALSE(parseUsbDescriptors(bytes.substr(0, 22)).ok());
  std::string zeroLength = bytes;
  zeroLength[18 + 9] = '\0';  // the interface descriptor claims length 0: must not loop forever
  CHECK_FALSE(parseUsbDescriptors(zeroLength).ok());
  std::string overlong = bytes;
  overlong[18 + 9] = '\x7f';
  CHECK_FALSE(parseUsbDescriptors(overlong).ok());
}
