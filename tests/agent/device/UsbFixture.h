#pragma once
// DeviceControl (USB) over the fake USB bus read from a recorded sysfs tree, recording its events.
#include "agent/device/DeviceControl.h"
#include "drivers/fake/FakeUsbBus.h"
#include "tests/agent/device/ChannelFixture.h"

namespace mamori::agent::device::test {

// A USB stick on the second root hub of the recorded trees (one mass-storage interface, SCSI/BOT).
inline drivers::UsbDevice stick(const std::string& name, const std::string& serial) {
  drivers::UsbDevice device;
  device.name = name;
  device.devpath = "/devices/pci0000:00/0000:00:04.0/usb2/" + name;
  device.vendorId = 0x46f4;
  device.productId = 0x0001;
  device.serial = serial;
  device.interfaces.push_back({"", 0, 0x08, 6, 0x50, false});
  return device;
}

// The kernel's uevent for that stick's arrival.
inline drivers::Uevent usbAdd(const std::string& name) {
  return uevent("add", "usb", "/devices/pci0000:00/0000:00:04.0/usb2/" + name, "usb_device");
}

struct UsbFixture : FakeBusFixture<drivers::fake::FakeUsbBus> {
  // tree: a folder of tests/fixtures/sysfs ("desktop", "phones").
  explicit UsbFixture(const std::string& tree) : FakeBusFixture(tree, "usb.serial") {}
  DeviceControl control{bus, blocks, nullptr, sink};
};

}  // namespace mamori::agent::device::test
