#include <doctest/doctest.h>

#include <string>
#include <vector>

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

namespace {

using mamori::drivers::linux_os::chosenConfiguration;

// Raw descriptors as sysfs shows them: the device descriptor (class, bNumConfigurations), then
// each configuration (bConfigurationValue 1, 2, ...) with one interface descriptor per class triple.
struct Interface {
  std::uint8_t cls, sub, protocol;
};
std::string device(std::uint8_t deviceClass, std::uint8_t configurations) {
  return std::string{18, 1, 0, 2, static_cast<char>(deviceClass),   0, 0, 64, 0x34, 0x12, 0x78, 0x56, 0,
                     1,  1, 2, 3, static_cast<char>(configurations)};
}
std::string configuration(std::uint8_t value, const std::vector<Interface>& interfaces) {
  std::string out{
      9, 2, 0, 0, static_cast<char>(interfaces.size()), static_cast<char>(value), 0, static_cast<char>(0x80), 50};
  std::uint8_t number = 0;
  for (const auto& i : interfaces) {
    out += std::string{9,
                       4,
                       static_cast<char>(number++),
                       0,
                       0,
                       static_cast<char>(i.cls),
                       static_cast<char>(i.sub),
                       static_cast<char>(i.protocol),
                       0};
  }
  out[2] = static_cast<char>(out.size());
  return out;
}
// The first interface of the configuration the kernel would choose.
mamori::drivers::UsbInterface chosen(const std::string& bytes) {
  auto parsed = parseUsbDescriptors(bytes);
  REQUIRE(parsed.ok());
  REQUIRE_FALSE(parsed.value().interfaces.empty());
  return parsed.value().interfaces.front();
}
std::uint8_t chosenClass(const std::string& bytes) { return chosen(bytes).interfaceClass; }

}  // namespace

TEST_CASE("several configurations: the interfaces of the one the kernel chooses") {
  // A vendor-specific first configuration and a mass-storage second one: the kernel configures the
  // second (a class driver is more likely), so that is what must be decided.
  const std::string twoFaced = device(0, 2) + configuration(1, {{0xff, 0xff, 0}}) + configuration(2, {{0x08, 6, 0x50}});
  auto parsed = parseUsbDescriptors(twoFaced);
  REQUIRE(parsed.ok());
  REQUIRE(parsed.value().configs.size() == 2);
  CHECK(parsed.value().configs[1].value == 2);
  CHECK(chosenConfiguration(parsed.value()) == 1);
  CHECK(chosenClass(twoFaced) == 0x08);
  // The first non-vendor one wins; all vendor-specific or a vendor-specific device: the first.
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0x03, 1, 1}}) + configuration(2, {{0xff, 0, 0}})) == 0x03);
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0xff, 0xff, 0}}) + configuration(2, {{0xff, 0x42, 1}})) == 0xff);
  CHECK(chosenClass(device(0xff, 2) + configuration(1, {{0xff, 0, 0}}) + configuration(2, {{0x08, 6, 0x50}})) == 0xff);
  // Audio: the UAC3 configuration when there is one, else the first.
  CHECK(chosen(device(0, 2) + configuration(1, {{0x01, 1, 0x20}}) + configuration(2, {{0x01, 1, 0x30}})).protocol ==
        0x30);
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0x01, 1, 0x20}}) + configuration(2, {{0xff, 0, 0}})) == 0x01);
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0x01, 1, 0x20}}) + configuration(2, {{0x08, 6, 0x50}})) == 0x08);
  // RNDIS first: kept only when no later configuration qualifies.
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0x02, 2, 0xff}}) + configuration(2, {{0x02, 6, 0}})) == 0x02);
  CHECK(chosen(device(0, 2) + configuration(1, {{0x02, 2, 0xff}}) + configuration(2, {{0x02, 6, 0}})).subClass == 6);
  CHECK(chosenClass(device(0, 2) + configuration(1, {{0x02, 2, 0xff}}) + configuration(2, {{0xff, 0, 0}})) == 0x02);
  // A configuration without interfaces is only ever the fallback.
  CHECK(chosenClass(device(0, 2) + configuration(1, {}) + configuration(2, {{0x08, 6, 0x50}})) == 0x08);
}

TEST_CASE("several configurations, hostile: more than announced or than 8, a broken later one") {
  // Only bNumConfigurations are read, at most 8.
  std::string nine = device(0, 9);
  for (std::uint8_t v = 1; v <= 9; ++v) nine += configuration(v, {{0xff, 0, 0}});
  CHECK(parseUsbDescriptors(nine).value().configs.size() == 8);
  CHECK(parseUsbDescriptors(device(0, 1) + configuration(1, {{0xff, 0, 0}}) + configuration(2, {{0x08, 6, 0x50}}))
            .value()
            .configs.size() == 1);
  // A later configuration that does not parse ends the list; the first one stands.
  std::string broken = device(0, 2) + configuration(1, {{0xff, 0, 0}}) + configuration(2, {{0x08, 6, 0x50}});
  broken[18 + 18 + 9] = 0;  // the second configuration's interface descriptor: length 0
  auto parsed = parseUsbDescriptors(broken);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().configs.size() == 1);
  CHECK(parsed.value().interfaces.front().interfaceClass == 0xff);
  // The second configuration's wTotalLength runs past the end: clamped, its interface still read.
  std::string overlong = device(0, 2) + configuration(1, {{0xff, 0, 0}}) + configuration(2, {{0x08, 6, 0x50}});
  overlong[18 + 18 + 2] = static_cast<char>(0xff);
  overlong[18 + 18 + 3] = static_cast<char>(0xff);
  CHECK(chosenClass(overlong) == 0x08);
  // A second "configuration" that is not one: ignored.
  CHECK(parseUsbDescriptors(device(0, 2) + configuration(1, {{0xff, 0, 0}}) + std::string(9, '\x09'))
            .value()
            .configs.size() == 1);
}
