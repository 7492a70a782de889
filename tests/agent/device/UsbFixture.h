#pragma once
// DeviceControl (USB) over the fake USB bus read from a recorded sysfs tree, recording its events.
#include "agent/device/DeviceControl.h"
#include "drivers/fake/FakeUsbBus.h"
#include "tests/agent/device/ChannelFixture.h"

namespace mamori::agent::device::test {

struct UsbFixture : FakeBusFixture<drivers::fake::FakeUsbBus> {
  // tree: a folder of tests/fixtures/sysfs ("desktop", "phones").
  explicit UsbFixture(const std::string& tree) : FakeBusFixture(tree, "usb.serial") {}
  DeviceControl control{bus, blocks, nullptr, sink};
};

}  // namespace mamori::agent::device::test
