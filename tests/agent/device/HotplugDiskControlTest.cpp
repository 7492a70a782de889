// HotplugDiskControl over the fake device gate and storage nodes: while pcie_storage blocks, every sd
// and SCSI passthrough node present at start stays openable (the system disk), a disk that appears
// later on a non-USB transport (eSATA, a hot-plugged HBA) is refused from the moment it exists unless
// disk_allow, audit, USB or an allowed hot-plugged PCI controller lets it through; an allowed disk's
// partitions, present or made later, open with it; optical drives' nodes are never touched
// (docs/decisions/0055).
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agent/device/HotplugDiskControl.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakeStorageNodes.h"
#include "tests/agent/device/ChannelFixture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::HotplugDiskControl;
using mamori::drivers::DeviceAccess;
using mamori::drivers::DeviceNumber;
using mamori::drivers::kAnyMinor;
using mamori::drivers::fake::FakeDeviceGate;
using mamori::drivers::fake::FakeStorageNodes;

// The system disk on the built-in AHCI controller with a partition and its sg node; a DVD drive's sg
// node (the optical channel's); what a disk hot-plugged on an eSATA port of the same controller gets.
const DeviceNumber kBootDisk{true, 8, 0};
const DeviceNumber kBootPart{true, 8, 1};
const DeviceNumber kBootSg{false, 21, 0};
const DeviceNumber kDvdSg{false, 21, 1};
const DeviceNumber kNewDisk{true, 8, 16};
const DeviceNumber kNewPart{true, 8, 17};
const DeviceNumber kNewSg{false, 21, 2};

struct DiskFixture : ChannelFixture {
  DiskFixture() : ChannelFixture("scsi.address") {
    nodes.addScsi(kBootDisk, "sda", "0:0:0:0", true);
    nodes.addScsi(kBootPart, "sda1", "0:0:0:0", false);
    nodes.addScsi(kBootSg, "sg0", "0:0:0:0", false);
    nodes.addScsi(kDvdSg, "sg1", "1:0:0:0", false, "0000:00:1f.2", false, 5);
  }
  // The kernel makes the nodes of a disk on SCSI device 2:0:0:0 (before its uevents arrive).
  void plugDisk(const std::string& serial = "S2:0:0:0", bool usb = false,
                const std::string& function = "0000:00:1f.2") {
    nodes.addScsi(kNewDisk, "sdb", "2:0:0:0", true, function, usb).serial = serial;
    nodes.addScsi(kNewSg, "sg2", "2:0:0:0", false, function, usb).serial = serial;
  }
  void nodeEvent(const std::string& action, const DeviceNumber& number, const std::string& name) {
    auto event = mamori::agent::device::test::uevent(action, number.block ? "block" : "scsi_generic",
                                                     "/devices/x/" + name, number.block ? "disk" : "");
    event.vars["MAJOR"] = std::to_string(number.major);
    event.vars["MINOR"] = std::to_string(number.minor);
    control.handleUevent(event);
  }
  FakeStorageNodes nodes;
  FakeDeviceGate gate;
  bool pciAllowed = false;
  HotplugDiskControl control{nodes, gate, sink, [this](const std::vector<std::string>&) { return pciAllowed; }};
};

}  // namespace

TEST_CASE("while pcie_storage blocks, every SCSI node present at start opens and the sd and sg majors are refused") {
  DiskFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.open(kBootDisk, true));
  CHECK(f.gate.open(kBootPart, true));
  CHECK(f.gate.open(kBootSg, true));
  CHECK(f.gate.rules.at({true, 8, kAnyMinor}) == DeviceAccess::kNone);
  CHECK(f.gate.rules.at({true, 135, kAnyMinor}) == DeviceAccess::kNone);
  CHECK(f.gate.rules.at({false, 21, kAnyMinor}) == DeviceAccess::kNone);
  CHECK(f.gate.rules.at({false, 247, kAnyMinor}) == DeviceAccess::kNone);
  // The allow rules came before the majors' deny rules: nothing present was refused in between.
  const auto firstDeny = std::find_if(f.gate.log.begin(), f.gate.log.end(),
                                      [](const FakeDeviceGate::Change& c) { return c.access == DeviceAccess::kNone; });
  CHECK(std::none_of(firstDeny, f.gate.log.end(),
                     [](const FakeDeviceGate::Change& c) { return c.access == DeviceAccess::kAll; }));
  // The DVD drive's sg node is the optical channel's: no rule of ours.
  CHECK(f.gate.rules.count(kDvdSg) == 0);
  // A partition of the system disk made later (parted) opens at once, before its uevent.
  CHECK(f.gate.open({true, 8, 2}, true));
  CHECK(f.gate.open({true, 8, 15}, true));
  CHECK_FALSE(f.gate.open({true, 8, 16}));  // the next disk's number
  CHECK(f.events.empty());
}

TEST_CASE("a disk hot-plugged on a non-USB transport is refused from the moment it exists, and reported") {
  DiskFixture f;
  f.control.apply(settingsFrom("{}"));
  f.plugDisk();
  CHECK_FALSE(f.gate.open(kNewDisk));  // before the agent has seen it
  CHECK_FALSE(f.gate.open(kNewSg));
  f.nodeEvent("add", kNewDisk, "sdb");
  f.nodeEvent("add", kNewSg, "sg2");
  REQUIRE(f.emitted("device.blocked", "2:0:0:0"));
  CHECK(f.count("device.blocked") == 1);  // decided once for the SCSI device, not per node
  const auto* blocked = f.last("device.blocked", "2:0:0:0");
  CHECK(blocked->text("device.bus") == "scsi");
  CHECK(blocked->text("device.channel") == "pcie_storage");
  CHECK(blocked->text("scsi.model") == "Portable SSD");
  CHECK(blocked->text("scsi.serial") == "S2:0:0:0");
  CHECK(f.emitted("device.connected", "2:0:0:0"));
  CHECK_FALSE(f.gate.open(kNewDisk, true));
  CHECK_FALSE(f.gate.open(kNewSg));
  CHECK(f.nodes.rereads().empty());
  CHECK(f.gate.open(kBootDisk, true));  // the system disk throughout
  // Each refusal is this channel's device.open_refused, with the disk's fields.
  for (const auto& open : f.gate.refused()) CHECK(f.control.refusedOpen(open, 1000));
  const auto* refused = f.last("device.open_refused", "2:0:0:0");
  REQUIRE(refused != nullptr);
  CHECK(refused->text("open.node") == "/dev/sdb");
  CHECK(refused->text("open.access") == "write");
  CHECK(f.count("device.open_refused") == 3);  // sg2 read twice by the same process: once
  CHECK(refused->text("scsi.model") == "Portable SSD");
  mamori::drivers::RefusedOpen dvd;
  dvd.device = kDvdSg;
  CHECK_FALSE(f.control.refusedOpen(dvd, 1000));  // the optical channel's
}

TEST_CASE("disk_allow lets a company disk open with its partitions; its rules go when it is removed") {
  DiskFixture f;
  f.control.apply(
      settingsFrom(R"({"disk_allow":[{"model":"Portable SSD","serial":"company-1","comment":"asset 7"}]})"));
  f.plugDisk("other");
  f.nodeEvent("add", kNewDisk, "sdb");
  CHECK(f.emitted("device.blocked", "2:0:0:0"));  // the serial differs
  f.nodes.remove(kNewDisk);
  f.nodes.remove(kNewSg);
  f.nodeEvent("remove", kNewDisk, "sdb");
  f.control.handleUevent(
      uevent("remove", "scsi", "/devices/pci0000:00/0000:00:1f.2/host2/target2:0:0/2:0:0:0", "scsi_device"));
  f.plugDisk("company-1");
  f.nodeEvent("add", kNewDisk, "sdb");
  REQUIRE(f.emitted("device.allowed", "2:0:0:0"));
  CHECK(f.last("device.allowed", "2:0:0:0")->text("device.reason").find("asset 7") != std::string::npos);
  CHECK(f.gate.open(kNewDisk, true));
  // Its partition table is read again (the kernel's scan was refused) and udev asked to look again.
  CHECK(f.nodes.rereads() == std::vector<std::string>{"sdb"});
  CHECK(f.nodes.announced() == std::vector<std::string>{"sdb"});
  CHECK(f.gate.open(kNewPart, true));  // its partition, before any uevent of it
  f.nodeEvent("add", kNewSg, "sg2");
  CHECK(f.gate.open(kNewSg, true));
  // A partition removed and added again (a table re-read) keeps its rule throughout.
  f.nodeEvent("remove", kNewPart, "sdb1");
  CHECK(f.gate.open(kNewPart, true));
  // Unplugged: the disk's number and its partitions' are refused again (the next disk gets them).
  f.nodeEvent("remove", kNewDisk, "sdb");
  f.nodeEvent("remove", kNewSg, "sg2");
  CHECK_FALSE(f.gate.open(kNewDisk));
  CHECK_FALSE(f.gate.open(kNewPart));
  CHECK_FALSE(f.gate.open(kNewSg));
}

TEST_CASE("USB disks and disks of an allowed hot-plugged PCI controller are their channels' decisions") {
  DiskFixture f;
  f.control.apply(settingsFrom("{}"));
  f.plugDisk("stick", true);  // the USB channel authorized the stick before the kernel made its disk
  f.nodeEvent("add", kNewDisk, "sdb");
  CHECK(f.gate.open(kNewDisk, true));
  CHECK(f.gate.open(kNewPart, true));
  CHECK(f.nodes.rereads() == std::vector<std::string>{"sdb"});
  CHECK(f.events.empty());

  DiskFixture g;
  g.control.apply(settingsFrom("{}"));
  g.pciAllowed = true;  // an ExpressCard SATA controller pci_allow let through
  g.plugDisk("x", false, "0000:05:00.0");
  g.nodeEvent("add", kNewDisk, "sdb");
  CHECK(g.gate.open(kNewDisk, true));
  CHECK(g.events.empty());
}

TEST_CASE("audit lets a hot-plugged disk open and says what enforce would do; allow lifts the gate") {
  DiskFixture f;
  f.control.apply(settingsFrom(R"({"pcie_storage":"audit"})"));
  CHECK(f.gate.rules.empty());  // only block in enforce sets the gate
  f.plugDisk();
  f.nodeEvent("add", kNewDisk, "sdb");
  CHECK(f.gate.open(kNewDisk));

  DiskFixture g;
  g.control.apply(settingsFrom("{}"));
  REQUIRE_FALSE(g.gate.rules.empty());
  g.control.apply(settingsFrom(R"({"pcie_storage":"allow"})"));
  CHECK(g.gate.rules.empty());
  g.plugDisk();
  CHECK(g.gate.open(kNewDisk, true));
}

TEST_CASE("a new policy decides hot-plugged disks again; lost uevents rebuild the rules") {
  DiskFixture f;
  f.control.apply(settingsFrom("{}"));
  f.plugDisk("company-1");
  f.nodeEvent("add", kNewDisk, "sdb");
  REQUIRE_FALSE(f.gate.open(kNewDisk));
  f.control.apply(settingsFrom(R"({"disk_allow":[{"vendor":"ATA","model":"Portable SSD"}]})"));
  CHECK(f.gate.open(kNewDisk, true));
  CHECK(f.emitted("device.allowed", "2:0:0:0"));
  f.control.apply(settingsFrom("{}"));
  CHECK_FALSE(f.gate.open(kNewDisk));
  CHECK_FALSE(f.gate.open(kNewPart));
  CHECK(f.gate.open(kBootDisk, true));

  // Its uevents lost: the disk is found and decided when the agent rebuilds.
  DiskFixture g;
  g.control.apply(settingsFrom("{}"));
  g.plugDisk();
  g.control.uneventsLost();
  CHECK(g.emitted("device.blocked", "2:0:0:0"));
  CHECK_FALSE(g.gate.open(kNewDisk));
  CHECK(g.gate.open(kBootDisk, true));
  CHECK(g.gate.open(kBootPart, true));
}

TEST_CASE("without the gate nothing is held and the failure is reported once") {
  DiskFixture f;
  f.gate.fails = true;
  f.control.apply(settingsFrom("{}"));
  f.control.apply(settingsFrom("{}"));
  CHECK(f.count("device.error") == 1);
  f.plugDisk();
  CHECK(f.gate.open(kNewDisk));
}

TEST_CASE("a stick blocked at start loses its number's rule when USB has decided, before its remove uevent") {
  DiskFixture f;
  const DeviceNumber stick{true, 8, 32};
  f.nodes.addScsi(stick, "sdc", "3:0:0:0", true, "0000:00:14.0", true);
  f.control.apply(settingsFrom("{}"));
  REQUIRE(f.gate.open(stick));  // present when the gate was set
  f.nodes.remove(stick);        // the USB channel deauthorized it: its disk went
  f.control.usbDecided();
  CHECK_FALSE(f.gate.open(stick));          // a disk plugged now cannot inherit the number's rule
  CHECK_FALSE(f.gate.open({true, 8, 33}));  // nor its partitions'
  CHECK(f.gate.open(kBootDisk, true));
  CHECK(f.gate.open(kBootPart, true));
}

TEST_CASE("a refusal of a node allowed since (a USB stick's partition scan before its uevent) is not reported") {
  DiskFixture f;
  f.control.apply(settingsFrom("{}"));
  f.plugDisk("stick", true);
  CHECK_FALSE(f.gate.open(kNewDisk, false, "kworker/u2:1"));  // the kernel's scan, before the agent looked
  f.nodeEvent("add", kNewDisk, "sdb");
  for (const auto& open : f.gate.refused()) CHECK(f.control.refusedOpen(open, 1000));
  CHECK(f.count("device.open_refused") == 0);
}
