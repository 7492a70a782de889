// PciStorageControl over the recorded PCIe tree (tests/fixtures/sysfs/pcie) through the fake PCI bus:
// nothing present at start is touched (the NVMe system disk, the SATA controller, even the drive
// already in the hot-plug slot); a storage controller hot-plugged later is held by driver_override
// and unbound if its driver won the race; pci_allow and audit let it through.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agent/device/PciStorageControl.h"
#include "drivers/fake/FakePciBus.h"
#include "tests/agent/device/ChannelFixture.h"
#include "tests/agent/device/SlottedDrive.h"
#include "tests/support/CallbackEventSink.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::PciStorageControl;
using mamori::drivers::fake::FakePciBus;

struct PciFixture : FakeBusFixture<FakePciBus> {
  PciFixture() : FakeBusFixture("pcie", "pci.kernel_name") {}
  PciStorageControl control{bus, sink};
  void uevent(const std::string& action, const std::string& devpath) {
    control.handleUevent(mamori::agent::device::test::uevent(action, "pci", devpath));
  }
};

}  // namespace

TEST_CASE("nothing present at start is touched, not even a drive already in the hot-plug slot") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK(f.bus.writes().empty());
  CHECK(f.events.empty());
  CHECK(f.bus.at("0000:02:00.0").driver == "nvme");
  CHECK(f.bus.at("0000:01:00.0").driver == "nvme");
  CHECK(f.bus.at("0000:00:1f.2").driver == "ahci");
  // A driver binding a boot device later (a module loaded late) changes nothing either.
  f.uevent("bind", "/devices/pci0000:00/0000:00:1c.0/0000:02:00.0");
  CHECK(f.bus.writes().empty());
}

TEST_CASE("a drive hot-plugged later is held by driver_override; if its driver won the race it is unbound") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  f.bus.remove("0000:01:00.0");
  f.uevent("remove", kSlotted);
  f.bus.hotPlug(newDrive(), "nvme", {"nvme0n1"});  // PCI binds at once, drivers_autoprobe or not
  f.uevent("add", kSlotted);
  CHECK(f.bus.at("0000:01:00.0").driverOverride == "mamori-blocked");
  CHECK(f.bus.at("0000:01:00.0").driver.empty());
  CHECK(f.bus.writes() ==
        std::vector<std::string>{"driver_override 0000:01:00.0 mamori-blocked", "unbind 0000:01:00.0"});
  REQUIRE(f.emitted("device.blocked", "0000:01:00.0"));
  CHECK(f.events.back().text("pci.serial") == "0a-0b-0c-0d-0e-0f-10-11");
  CHECK(f.events.back().text("device.block_devices_removed") == "nvme0n1");

  // The override written before the driver's probe: nothing to unbind.
  PciFixture g;
  g.control.apply(settingsFrom("{}"));
  auto held = newDrive();
  g.bus.remove("0000:01:00.0");
  g.uevent("remove", kSlotted);
  g.bus.hotPlug(held, "", {});  // the agent is first: no driver yet
  g.uevent("add", kSlotted);
  CHECK(g.bus.writes() == std::vector<std::string>{"driver_override 0000:01:00.0 mamori-blocked"});
  // device_attach was already past its override check: the bind uevent brings the unbind.
  g.bus.bindNow("0000:01:00.0", "nvme");
  g.uevent("bind", kSlotted);
  CHECK(g.bus.at("0000:01:00.0").driver.empty());
  CHECK(g.bus.writes().back() == "unbind 0000:01:00.0");
}

TEST_CASE("pci_allow lets a company drive bind; audit reports and enforces nothing") {
  PciFixture f;
  f.control.apply(settingsFrom(
      R"({"pci_allow":[{"vendor_id":"144d","device_id":"a80a","serial":"0A-0B-0C-0D-0E-0F-10-11","slot":"1"}]})"));
  f.bus.remove("0000:01:00.0");
  f.uevent("remove", kSlotted);
  f.bus.hotPlug(newDrive(), "nvme", {"nvme0n1"});
  f.uevent("add", kSlotted);
  CHECK(f.bus.at("0000:01:00.0").driver == "nvme");
  CHECK(f.bus.writes().empty());
  CHECK(f.emitted("device.allowed", "0000:01:00.0"));

  PciFixture g;
  g.control.apply(settingsFrom(R"({"pcie_storage":"audit"})"));
  g.bus.remove("0000:01:00.0");
  g.uevent("remove", kSlotted);
  g.bus.hotPlug(newDrive(), "nvme", {"nvme0n1"});
  g.uevent("add", kSlotted);
  CHECK(g.bus.at("0000:01:00.0").driver == "nvme");
  CHECK(g.emitted("device.audit", "0000:01:00.0"));
}

TEST_CASE("a drive blocked by an earlier run is freed when the policy allows it") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  f.bus.remove("0000:01:00.0");
  f.uevent("remove", kSlotted);
  f.bus.hotPlug(newDrive(), "nvme", {"nvme0n1"});
  f.uevent("add", kSlotted);
  REQUIRE(f.bus.at("0000:01:00.0").driver.empty());
  // The agent restarts (a new control over the same bus) with a policy that allows drives.
  mamori::testsupport::CallbackEventSink quiet{
      [](const std::string&, mamori::common::Severity, Poco::JSON::Object::Ptr) {}};
  PciStorageControl restarted{f.bus, quiet};
  restarted.apply(settingsFrom(R"({"pcie_storage":"allow"})"));
  CHECK(f.bus.at("0000:01:00.0").driverOverride.empty());
  CHECK(f.bus.at("0000:01:00.0").driver == "nvme");
  CHECK(f.bus.writes().back() == "probe 0000:01:00.0");
}

TEST_CASE("hot-plugged devices that are not storage, or not in a hot-plug slot, are left alone") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  auto nic = newDrive();
  nic.name = "0000:05:00.0";
  nic.devpath = "/devices/pci0000:00/0000:00:03.0/0000:05:00.0";
  nic.classCode = 0x020000;
  nic.slot = "7";
  f.bus.hotPlug(nic, "e1000e", {});
  f.uevent("add", nic.devpath);
  auto rescanned = newDrive();  // a built-in controller back after `echo 1 > /sys/bus/pci/rescan`
  rescanned.name = "0000:03:00.0";
  rescanned.devpath = "/devices/pci0000:00/0000:00:1d.0/0000:03:00.0";
  rescanned.slot.clear();
  f.bus.hotPlug(rescanned, "nvme", {"nvme2n1"});
  f.uevent("add", rescanned.devpath);
  CHECK(f.bus.writes().empty());
  CHECK(f.events.empty());
  CHECK(f.bus.at("0000:03:00.0").driver == "nvme");
}
