#include <doctest/doctest.h>

#include <filesystem>

#include "drivers/linux/LinuxUsbBus.h"
#include "tests/drivers/SysfsFixture.h"

using mamori::drivers::linux_os::LinuxUsbBus;
using mamori::drivers::test::SysfsCopy;

TEST_CASE("devices of the recorded desktop tree") {
  SysfsCopy sys("desktop");
  LinuxUsbBus bus(sys.root());
  CHECK(bus.present());
  auto names = bus.deviceNames();
  REQUIRE(names.ok());
  CHECK(names.value() == std::vector<std::string>{"1-1", "1-2", "2-1", "2-2", "usb1", "usb2"});

  auto stick = bus.device("2-1");
  REQUIRE(stick.ok());
  CHECK(stick.value().devpath == "/devices/pci0000:00/0000:00:04.0/usb2/2-1");
  CHECK(stick.value().vendorId == 0x46f4);
  CHECK(stick.value().serial == "stick-1");
  CHECK(stick.value().authorized);
  CHECK(stick.value().configured);
  REQUIRE(stick.value().interfaces.size() == 1);
  CHECK(stick.value().interfaces[0].name == "2-1:1.0");
  CHECK(stick.value().interfaces[0].interfaceClass == 0x08);

  // Unauthorized: no interface directories; the classes come from the raw descriptors.
  auto locked = bus.device("2-2");
  REQUIRE(locked.ok());
  CHECK_FALSE(locked.value().authorized);
  CHECK_FALSE(locked.value().configured);
  REQUIRE(locked.value().interfaces.size() == 1);
  CHECK(locked.value().interfaces[0].name.empty());
  CHECK(locked.value().interfaces[0].interfaceClass == 0x08);
  CHECK(locked.value().product == "DataTraveler 3.0");

  auto composite = bus.device("1-2");
  REQUIRE(composite.ok());
  REQUIRE(composite.value().interfaces.size() == 2);
  CHECK(composite.value().interfaces[1].name == "1-2:1.1");

  auto blocks = bus.blockDevicesUnder(stick.value().devpath);
  REQUIRE(blocks.ok());
  CHECK(blocks.value() == std::vector<std::string>{"sda", "sda1"});
  CHECK(bus.blockDevicesUnder(composite.value().devpath).value().empty());
}

TEST_CASE("writes land in the attribute files") {
  SysfsCopy sys("desktop");
  LinuxUsbBus bus(sys.root());
  REQUIRE(bus.setAuthorizedDefault("usb2", false).ok());
  REQUIRE(bus.setInterfaceAuthorizedDefault("usb2", false).ok());
  REQUIRE(bus.setDeviceAuthorized("2-1", false).ok());
  REQUIRE(bus.setInterfaceAuthorized("1-2:1.1", false).ok());
  REQUIRE(bus.probeInterface("1-2:1.0").ok());
  CHECK(sys.attribute("bus/usb/devices/usb2/authorized_default") == "0");
  CHECK(sys.attribute("bus/usb/devices/usb2/interface_authorized_default") == "0");
  CHECK(sys.attribute("bus/usb/devices/2-1/authorized") == "0");
  CHECK(sys.attribute("bus/usb/devices/1-2/1-2:1.1/authorized") == "0");
  CHECK(sys.attribute("bus/usb/drivers_probe") == "1-2:1.0");
}

TEST_CASE("names from outside cannot escape the sysfs root; missing things are errors with errno") {
  SysfsCopy sys("desktop");
  LinuxUsbBus bus(sys.root());
  CHECK_FALSE(bus.device("../../etc").ok());
  CHECK_FALSE(bus.setDeviceAuthorized("..", true).ok());
  auto gone = bus.device("3-9");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().sysErrno == ENOENT);
  CHECK_FALSE(LinuxUsbBus(sys.root() + "/nowhere").present());
}

TEST_CASE("phones tree: interface strings from sysfs, string indexes from the descriptors, bus numbers") {
  SysfsCopy sys("phones");
  LinuxUsbBus bus(sys.root(), sys.root() + "/no-dev");
  auto pixel = bus.device("1-1");
  REQUIRE(pixel.ok());
  CHECK(pixel.value().busNumber == 1);
  CHECK(pixel.value().deviceNumber == 2);
  REQUIRE(pixel.value().interfaces.size() == 2);
  CHECK(pixel.value().interfaces[0].label == "MTP");
  CHECK(pixel.value().interfaces[0].stringIndex == 5);
  CHECK_FALSE(pixel.value().interfaces[0].authorized);
  CHECK(pixel.value().interfaces[1].label == "ADB Interface");
  CHECK(pixel.value().interfaces[1].subClass == 0x42);

  // An unconfigured phone: the string index is known, the string is not (no interface directory).
  auto locked = bus.device("2-2");
  REQUIRE(locked.ok());
  CHECK(locked.value().interfaces[0].stringIndex == 4);
  CHECK(locked.value().interfaces[0].label.empty());
  CHECK(locked.value().interfaces[1].stringIndex == 0);
}

TEST_CASE("readInterfaceDetails: a device that cannot be asked has its strings marked unreadable") {
  SysfsCopy sys("phones");
  LinuxUsbBus bus(sys.root(), sys.root() + "/no-dev");  // no usbfs node: as if unplugged meanwhile
  auto samsung = bus.device("1-2");
  REQUIRE(samsung.ok());
  auto device = samsung.value();
  CHECK(device.interfaces[0].label.empty());  // the kernel could not read it either
  bus.readInterfaceDetails(device);
  CHECK(device.interfaces[0].labelUnreadable);
  CHECK(device.msOs == mamori::drivers::UsbMsOsState::kNotRead);

  auto pixel = bus.device("1-1").value();
  bus.readInterfaceDetails(pixel);  // labels known from sysfs: nothing marked
  CHECK_FALSE(pixel.interfaces[0].labelUnreadable);
  CHECK(pixel.interfaces[0].label == "MTP");

  auto camera = bus.device("2-1").value();  // no string index at all
  bus.readInterfaceDetails(camera);
  CHECK_FALSE(camera.interfaces[0].labelUnreadable);
}

TEST_CASE("a configured device with two configurations: string indexes of the active one") {
  SysfsCopy sys("phones");
  LinuxUsbBus bus(sys.root(), sys.root() + "/no-dev");
  // The Pixel's descriptors again with a second configuration (value 2) whose interfaces name
  // strings 8 and 9; the kernel configured that one.
  std::string bytes = mamori::drivers::test::readFile(sys.root() + "/bus/usb/devices/1-1/descriptors");
  bytes[17] = 2;  // bNumConfigurations
  bytes += std::string{9, 2, 27, 0, 2, 2, 0, static_cast<char>(0x80), 50};
  bytes += std::string{9, 4, 0, 0, 0, static_cast<char>(0xff), static_cast<char>(0xff), 0, 8};
  bytes += std::string{9, 4, 1, 0, 0, static_cast<char>(0xff), 0x42, 1, 9};
  sys.write("bus/usb/devices/1-1/descriptors", bytes);
  sys.write("bus/usb/devices/1-1/bConfigurationValue", "2\n");
  auto pixel = bus.device("1-1");
  REQUIRE(pixel.ok());
  CHECK(pixel.value().interfaces[0].stringIndex == 8);
  CHECK(pixel.value().interfaces[1].stringIndex == 9);
  sys.write("bus/usb/devices/1-1/bConfigurationValue", "1\n");
  CHECK(bus.device("1-1").value().interfaces[0].stringIndex == 5);
}

TEST_CASE("new host controllers: usbcore's authorized_default closed, then put back as it was") {
  SysfsCopy sys("desktop");
  LinuxUsbBus bus(sys.root());
  CHECK_FALSE(bus.setNewControllersAuthorized(false).ok());  // no usbcore module in the tree: an error
  std::filesystem::create_directories(sys.root() + "/module/usbcore/parameters");
  // (1 here, -1 on Debian's kernels: a file in the copy is not truncated by the write, as sysfs is.)
  sys.write("module/usbcore/parameters/authorized_default", "1\n");
  REQUIRE(bus.setNewControllersAuthorized(false).ok());
  CHECK(sys.attribute("module/usbcore/parameters/authorized_default") == "0");
  REQUIRE(bus.setNewControllersAuthorized(false).ok());  // again: the first value is kept
  REQUIRE(bus.setNewControllersAuthorized(true).ok());
  CHECK(sys.attribute("module/usbcore/parameters/authorized_default") == "1");
  // Closed from the kernel's command line (usbcore.authorized_default=0): left closed either way.
  sys.write("module/usbcore/parameters/authorized_default", "0\n");
  LinuxUsbBus booted(sys.root());
  REQUIRE(booted.setNewControllersAuthorized(false).ok());
  REQUIRE(booted.setNewControllersAuthorized(true).ok());
  CHECK(sys.attribute("module/usbcore/parameters/authorized_default") == "0");
}
