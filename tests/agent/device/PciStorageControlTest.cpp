// PciStorageControl over the recorded PCIe tree (tests/fixtures/sysfs/pcie) through the fake PCI bus:
// nothing present at start is touched (the NVMe system disk, the SATA controller, even the drive
// already in the hot-plug slot); a storage controller hot-plugged later is held by driver_override
// and unbound if its driver won the race; pci_allow and audit let it through. With the fake device
// gate and storage nodes: while pcie_storage blocks, NVMe nodes present at start stay openable and
// every other one is refused unless its drive is allowed (decision 0046).
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agent/device/OpticalControl.h"
#include "agent/device/PciStorageControl.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakePciBus.h"
#include "drivers/fake/FakeStorageNodes.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "tests/agent/device/ChannelFixture.h"
#include "tests/agent/device/SlottedDrive.h"
#include "tests/support/CallbackEventSink.h"
#include "tests/support/StderrCapture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::PciStorageControl;
using mamori::drivers::DeviceAccess;
using mamori::drivers::DeviceNumber;
using mamori::drivers::kAnyMinor;
using mamori::drivers::fake::FakeDeviceGate;
using mamori::drivers::fake::FakePciBus;
using mamori::drivers::fake::FakeStorageNodes;

// The system disk (0000:02:00.0 since boot) with a partition and its controller's char node; the
// drive in slot 1 (0000:01:00.0) at start; what a drive hot-plugged into slot 1 gets.
const DeviceNumber kBootDisk{true, 259, 0};
const DeviceNumber kBootPart{true, 259, 1};
const DeviceNumber kBootCtrl{false, 240, 0};
const DeviceNumber kSlotDisk{true, 259, 2};
const DeviceNumber kNewDisk{true, 259, 3};
const DeviceNumber kNewPart{true, 259, 4};
const DeviceNumber kNewCtrl{false, 240, 1};

struct PciFixture : FakeBusFixture<FakePciBus> {
  PciFixture() : FakeBusFixture("pcie", "pci.kernel_name") {
    nodes.add(kBootDisk, "nvme1n1", "0000:02:00.0", true);
    nodes.add(kBootPart, "nvme1n1p1", "0000:02:00.0", false);
    nodes.add(kBootCtrl, "nvme1", "0000:02:00.0", false);
    nodes.add(kSlotDisk, "nvme0n1", "0000:01:00.0", true);
  }
  FakeStorageNodes nodes;
  FakeDeviceGate gate;
  PciStorageControl control{bus, nodes, gate, sink};
  void uevent(const std::string& action, const std::string& devpath) {
    control.handleUevent(mamori::agent::device::test::uevent(action, "pci", devpath));
  }
  // A node's uevent (block or nvme char), with its number as the kernel sends it.
  void nodeEvent(const std::string& action, const DeviceNumber& number, const std::string& name) {
    auto event = mamori::agent::device::test::uevent(
        action, number.block ? "block" : "nvme", std::string(kSlotted) + "/nvme/" + name, number.block ? "disk" : "");
    event.vars["MAJOR"] = std::to_string(number.major);
    event.vars["MINOR"] = std::to_string(number.minor);
    control.handleUevent(event);
  }
  // Under the default policy, the drive in slot 1 is replaced by a new one whose driver binds before the
  // agent looks: the decision blocks it and unbinds it.
  void blockRacingDrive() {
    control.apply(settingsFrom("{}"));
    bus.remove("0000:01:00.0");
    uevent("remove", kSlotted);
    bus.hotPlug(newDrive(), "nvme", {"nvme0n1"});
    uevent("add", kSlotted);
    REQUIRE(bus.at("0000:01:00.0").driver.empty());
  }
  // The drive in slot 1 since start is taken out (its nodes and device go, with their uevents).
  void emptySlot() {
    nodes.remove(kSlotDisk);
    nodeEvent("remove", kSlotDisk, "nvme0n1");
    bus.remove("0000:01:00.0");
    uevent("remove", kSlotted);
  }
  // A new drive in slot 1 whose driver made its disk and controller node before the agent looked.
  void plugWithDisk(const std::string& serial = "0a-0b-0c-0d-0e-0f-10-11") {
    bus.hotPlug(newDrive(serial), "nvme", {"nvme0n1"});
    nodes.add(kNewCtrl, "nvme2", "0000:01:00.0", false);
    nodes.add(kNewDisk, "nvme2n1", "0000:01:00.0", true);
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

TEST_CASE(
    "a bind uevent handled after the decision already unbound the drive takes nothing back and warns of nothing") {
  // The driver won the race: the decision at the add unbinds it; the bind uevent, queued behind the
  // add, then finds no driver. It used to warn "bound by  before the decision took effect".
  PciFixture f;
  f.blockRacingDrive();
  const auto writes = f.bus.writes().size();
  {
    const mamori::test::StderrCapture captured;
    f.uevent("bind", kSlotted);
    CHECK(captured.text().find("bound by") == std::string::npos);
  }
  CHECK(f.bus.writes().size() == writes);
  CHECK_FALSE(f.emitted("device.error", ""));

  // Bound again after the decision (the override came too late for it): the warning names the driver.
  f.bus.bindNow("0000:01:00.0", "nvme");
  const mamori::test::StderrCapture captured;
  f.uevent("bind", kSlotted);
  CHECK(captured.text().find("0000:01:00.0 bound by nvme before the decision took effect") != std::string::npos);
  CHECK(f.bus.writes().back() == "unbind 0000:01:00.0");
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
  f.blockRacingDrive();
  // The agent restarts (a new control over the same bus) with a policy that allows drives.
  mamori::testsupport::CallbackEventSink quiet{
      [](const std::string&, mamori::common::Severity, const Poco::JSON::Object::Ptr&) {}};
  PciStorageControl restarted{f.bus, f.nodes, f.gate, quiet};
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

TEST_CASE("while pcie_storage blocks, NVMe nodes present at start stay open and every other one is refused") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.starts == 1);
  CHECK(f.gate.open(kBootDisk, true));
  CHECK(f.gate.open(kBootPart, true));
  CHECK(f.gate.open(kBootCtrl, true));
  CHECK(f.gate.open(kSlotDisk));             // a drive in a hot-plug slot at start is never touched either
  CHECK_FALSE(f.gate.open({true, 259, 9}));  // a number nobody was given
  CHECK_FALSE(f.gate.open({false, 240, 7}));
  CHECK_FALSE(f.gate.open({false, 239, 7}));  // nvme-generic (ngXnY)
  CHECK(f.gate.open({true, 8, 0}));           // not an NVMe major: not this channel's
  // The allow rules came first, the majors' deny last: nothing present was refused in between.
  REQUIRE(f.gate.log.size() == 7);
  for (std::size_t i = 0; i < 4; ++i) CHECK(f.gate.log[i].access == DeviceAccess::kAll);
  for (std::size_t i = 4; i < 7; ++i) CHECK(f.gate.log[i].device.minor == kAnyMinor);
  CHECK(f.gate.rules.at({true, 259, kAnyMinor}) == DeviceAccess::kNone);
  CHECK(f.events.empty());

  // A new partition of the system disk (parted while the agent runs), a loop device's partition
  // (blkext too, below no PCI device): allowed when they appear, no partition re-read for them.
  f.nodes.add({true, 259, 5}, "nvme1n1p2", "0000:02:00.0", false);
  f.nodeEvent("add", {true, 259, 5}, "nvme1n1p2");
  f.nodes.add({true, 259, 6}, "loop0p1", "", false);
  f.nodeEvent("add", {true, 259, 6}, "loop0p1");
  CHECK(f.gate.open({true, 259, 5}, true));
  CHECK(f.gate.open({true, 259, 6}, true));
  CHECK(f.nodes.rereads().empty());
  // udev's first probe of them may have come before their rule: they are announced again.
  CHECK(f.nodes.announced() == std::vector<std::string>{"nvme1n1p2", "loop0p1"});
}

TEST_CASE("a blocked drive's disk, made before the decision, is never openable") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  f.emptySlot();
  CHECK_FALSE(f.gate.open(kSlotDisk));  // the number freed by the drive that went lost its rule
  f.plugWithDisk();
  CHECK_FALSE(f.gate.open(kNewDisk));  // from the moment it exists: no rule of its own
  f.uevent("add", kSlotted);
  REQUIRE(f.emitted("device.blocked", "0000:01:00.0"));
  CHECK(f.bus.at("0000:01:00.0").driver.empty());
  // Its queued uevents arrive after the decision: no rule for them.
  f.nodeEvent("add", kNewCtrl, "nvme2");
  f.nodeEvent("add", kNewDisk, "nvme2n1");
  CHECK_FALSE(f.gate.open(kNewDisk));
  CHECK_FALSE(f.gate.open(kNewCtrl, true));
  CHECK(f.nodes.rereads().empty());
  CHECK(f.nodes.announced().empty());
  CHECK(f.gate.rules.count(kNewDisk) == 0);
  // The refusals are this channel's, reported as device.open_refused with the drive's fields (while
  // it is there), not the optical drives'.
  auto refused = f.gate.refused();
  REQUIRE(refused.size() == 4);
  for (const auto& open : refused) CHECK(f.control.refusedOpen(open, 1000));
  // The freed number's read, the new disk's read (twice by the same process: once), the controller's write.
  CHECK(f.count("device.open_refused") == 3);
  const auto* event = f.last("device.open_refused", "0000:01:00.0");
  REQUIRE(event != nullptr);
  CHECK(event->text("open.device") == "c 240:1");
  CHECK(event->text("open.node") == "/dev/nvme2");
  CHECK(event->text("open.access") == "write");
  CHECK(event->text("process.name") == "dd");
  CHECK(event->text("device.channel") == "pcie_storage");
  CHECK(event->details->getValue<int>("process.uid") == 1000);
  // The same open by the same process again within 5 s: logged, not reported.
  CHECK(f.control.refusedOpen(refused[3], 2000));
  CHECK(f.count("device.open_refused") == 3);
  mamori::drivers::RefusedOpen sr;
  sr.device = {true, 11, 0};
  CHECK_FALSE(f.control.refusedOpen(sr, 2000));
}

TEST_CASE("refused opens are reported at most 20 per 5 s per channel; the next one says how many were left out") {
  mamori::agent::device::RefusedOpens refusals;
  mamori::drivers::RefusedOpen open;
  open.device = {true, 259, 3};
  int admitted = 0;
  for (int pid = 1; pid <= 50; ++pid) {  // a partition scan, udev's probes, a script in a loop
    open.pid = pid;
    admitted += refusals.admit(open, 100) ? 1 : 0;
  }
  CHECK(admitted == mamori::agent::device::RefusedOpens::kBurst);
  open.pid = 51;
  CHECK(refusals.admit(open, 100 + mamori::agent::device::RefusedOpens::kEveryMs));
  Poco::JSON::Object details;
  refusals.describe(details, open, "/dev/nvme2n1");
  CHECK(details.getValue<std::int64_t>("open.suppressed") == 30);
  CHECK(details.getValue<std::string>("open.device") == "b 259:3");
}

TEST_CASE(
    "an allowed drive's nodes open as they appear; its partitions are re-read; a removed number is refused again") {
  PciFixture f;
  f.control.apply(settingsFrom(R"({"pci_allow":[{"vendor_id":"144d","device_id":"a80a","slot":"1"}]})"));
  f.emptySlot();
  // Decided before its driver made anything: each node gets its rule at its uevent.
  f.bus.hotPlug(newDrive(), "nvme", {});
  f.uevent("add", kSlotted);
  REQUIRE(f.emitted("device.allowed", "0000:01:00.0"));
  f.nodes.add(kNewCtrl, "nvme2", "0000:01:00.0", false);
  f.nodeEvent("add", kNewCtrl, "nvme2");
  f.nodes.add(kNewDisk, "nvme2n1", "0000:01:00.0", true);
  f.nodeEvent("add", kNewDisk, "nvme2n1");
  CHECK(f.gate.open(kNewCtrl, true));
  CHECK(f.gate.open(kNewDisk, true));
  // The kernel's partition scan ran before the disk's uevent and was refused: the agent re-reads.
  CHECK(f.nodes.rereads() == std::vector<std::string>{"nvme2n1"});
  f.nodes.add(kNewPart, "nvme2n1p1", "0000:01:00.0", false);
  f.nodeEvent("add", kNewPart, "nvme2n1p1");
  CHECK(f.gate.open(kNewPart, true));
  CHECK(f.nodes.rereads().size() == 1);
  CHECK(f.nodes.announced() == std::vector<std::string>{"nvme2", "nvme2n1", "nvme2n1p1"});
  // Unplugged: the numbers lose their rules (the next disk to take them may be a blocked drive's).
  f.nodes.remove(kNewPart);
  f.nodeEvent("remove", kNewPart, "nvme2n1p1");
  f.nodes.remove(kNewDisk);
  f.nodeEvent("remove", kNewDisk, "nvme2n1");
  CHECK_FALSE(f.gate.open(kNewDisk));
  CHECK_FALSE(f.gate.open(kNewPart));
}

TEST_CASE("a drive allowed after its disk appeared gets its rules and a partition re-read at the decision") {
  PciFixture f;
  f.control.apply(settingsFrom(R"({"pci_allow":[{"vendor_id":"144d","device_id":"a80a","slot":"1"}]})"));
  f.emptySlot();
  f.plugWithDisk();  // nvme was faster than the agent
  f.uevent("add", kSlotted);
  CHECK(f.gate.open(kNewDisk, true));
  CHECK(f.gate.open(kNewCtrl, true));
  CHECK(f.nodes.rereads() == std::vector<std::string>{"nvme2n1"});
  f.nodeEvent("add", kNewDisk, "nvme2n1");  // its queued uevent: nothing more to do
  CHECK(f.nodes.rereads().size() == 1);
}

TEST_CASE("the gate follows the policy: lifted when pcie_storage allows or audits, set again when it blocks") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK_FALSE(f.gate.rules.empty());
  f.control.apply(settingsFrom(R"({"pcie_storage":"allow"})"));
  CHECK(f.gate.rules.empty());
  CHECK(f.gate.open({true, 259, 9}));
  f.control.apply(settingsFrom(R"({"pcie_storage":"block"})"));
  CHECK_FALSE(f.gate.open({true, 259, 9}));
  CHECK(f.gate.open(kBootDisk));
  f.control.apply(settingsFrom(R"({"mode":"audit"})"));
  CHECK(f.gate.rules.empty());

  PciFixture audit;
  audit.control.apply(settingsFrom(R"({"pcie_storage":"audit"})"));
  CHECK(audit.gate.starts == 0);
}

TEST_CASE("without the gate a blocked drive is still held by driver_override, and the decision says so") {
  PciFixture f;
  f.gate.fails = true;
  f.control.apply(settingsFrom("{}"));
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.starts == 1);
  CHECK(f.count("device.error") == 1);
  f.emptySlot();
  f.plugWithDisk();
  f.uevent("add", kSlotted);
  REQUIRE(f.emitted("device.blocked", "0000:01:00.0"));
  CHECK(f.events.back().text("device.gate") == "unavailable");
  CHECK(f.bus.at("0000:01:00.0").driver.empty());
}

TEST_CASE("lost uevents: the rules are rebuilt from the nodes present before anything new is allowed") {
  PciFixture f;
  f.control.apply(settingsFrom("{}"));
  // The drive in slot 1 went and a new one came into slot 7 while uevents were lost: its disk took
  // the old disk's number, which must not keep the old allow rule.
  f.bus.remove("0000:01:00.0");
  f.nodes.remove(kSlotDisk);
  auto drive = newDrive();
  drive.name = "0000:05:00.0";
  drive.devpath = "/devices/pci0000:00/0000:00:03.0/0000:05:00.0";
  drive.slot = "7";
  f.bus.hotPlug(drive, "nvme", {"nvme2n1"});
  f.nodes.add(kSlotDisk, "nvme2n1", "0000:05:00.0", true);
  f.control.uneventsLost();
  CHECK(f.emitted("device.blocked", "0000:05:00.0"));
  CHECK_FALSE(f.gate.open(kSlotDisk));
  CHECK(f.gate.open(kBootDisk));
  CHECK(f.gate.open(kBootPart));
}

TEST_CASE("one gate for the agent: the optical channel's rules and PCIe storage's never drop each other") {
  PciFixture f;
  mamori::drivers::linux_os::LinuxOpticalDrives drives(std::string(MAMORI_SYSFS_FIXTURES) + "/optical", "/dev");
  mamori::agent::device::OpticalControl optical{drives, f.blocks, f.gate, f.sink};
  optical.apply(settingsFrom("{}"));
  f.control.apply(settingsFrom("{}"));
  optical.apply(settingsFrom("{}"));  // a new policy version: applied to both again
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.starts == 2);  // each channel asks; the gate starts once (CgroupDeviceGate keeps the outcome)
  CHECK(f.gate.rules.at({true, 11, kAnyMinor}) == DeviceAccess::kReadOnly);
  CHECK(f.gate.rules.at({true, 259, kAnyMinor}) == DeviceAccess::kNone);
  CHECK(f.gate.open(kBootDisk, true));
  f.control.apply(settingsFrom(R"({"pcie_storage":"allow"})"));
  CHECK(f.gate.rules.at({true, 11, kAnyMinor}) == DeviceAccess::kReadOnly);  // PCIe lifted only its own
  optical.apply(settingsFrom(R"({"optical":"allow"})"));
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.rules.at({true, 259, kAnyMinor}) == DeviceAccess::kNone);
}
