// Temporary exceptions for the channels beside USB, through DeviceControl and the real offline path
// (a challenge in the refusal event, a response signed with the policy key, the grant used once and
// ended at expiry): a Thunderbolt enclosure on the recorded tree (real LinuxThunderboltBus, files for
// `authorized`), a hot-plugged NVMe drive (fake PCI bus), an SD card (fake mmc bus, recorded card
// reader tree), a DVD writer (real LinuxOpticalDrives on the recorded tree, recording gate), a disk
// hot-plugged on an eSATA port (fake storage nodes and gate). The
// machine has no USB bus: exceptions work without one.
#include <doctest/doctest.h>

#include <algorithm>

#include "agent/device/CardReaderControl.h"
#include "agent/device/DeviceControl.h"
#include "agent/device/HotplugDiskControl.h"
#include "agent/device/OpticalControl.h"
#include "agent/device/PciStorageControl.h"
#include "agent/device/ThunderboltControl.h"
#include "common/KeyFiles.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakeMmcBus.h"
#include "drivers/fake/FakePciBus.h"
#include "drivers/fake/FakeStorageNodes.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "drivers/linux/LinuxThunderboltBus.h"
#include "policy/DeviceException.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/device/ChannelFixture.h"
#include "tests/agent/device/SlottedDrive.h"
#include "tests/drivers/SysfsFixture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::drivers::DeviceAccess;
using mamori::drivers::DeviceNumber;
using mamori::drivers::RefusedOpen;

// DeviceControl over no USB bus with exceptions on, and the administrator's key.
struct ExceptionFixture : ChannelFixture {
  explicit ExceptionFixture(const std::string& deviceKey) : ChannelFixture(deviceKey) {
    mamori::agent::test::qtApp();
    REQUIRE(mamori::common::savePublicKey(key.publicKey(), dir.file("policy-key.pem")).ok());
  }
  // Call after the channel is added: exceptions reach every channel added before or after.
  void start(mamori::agent::device::DeviceChannel& channel, const std::string& deviceControl) {
    control.addChannel(&channel);
    REQUIRE(control
                .enableExceptions(
                    {"agent-1", dir.file("exceptions"), dir.file("policy-key.pem"), [this] { return now; }, ""})
                .ok());
    REQUIRE(control.apply(policyWithDeviceControl(deviceControl)).ok());
  }
  std::string challenge(const std::string& type, const std::string& device) const {
    const auto* event = last(type, device);
    return event == nullptr ? "" : event->text("device.exception_challenge");
  }
  bool listed(const std::string& id, const std::string& challengeCode) const {
    const auto blocked = control.blockedDevices();
    return std::any_of(blocked.begin(), blocked.end(),
                       [&](const auto& b) { return b.id == id && b.challenge == challengeCode; });
  }
  // The administrator's response for 30 minutes, handed in as an approved request would be.
  bool grant(const std::string& challengeCode) {
    return control.acceptResponse(mamori::policy::signExceptionResponse(key, challengeCode, 30).value()).ok();
  }
  void expire() {
    now += std::int64_t{30} * 60'000;
    control.pollExceptions();
  }

  mamori::agent::test::TempDir dir;
  mamori::common::SigningKey key = mamori::common::SigningKey::generate().value();
  std::int64_t now = 1'000'000;
  mamori::drivers::fake::FakeUsbBus usb;  // no root hubs: no USB bus
  mamori::drivers::fake::FakeBlockDevices blocks;
  mamori::agent::device::DeviceControl control{usb, blocks, nullptr, sink};
};

}  // namespace

TEST_CASE("thunderbolt: a blocked enclosure's challenge names its ids; the grant builds its tunnel until it ends") {
  ExceptionFixture f("thunderbolt.kernel_name");
  mamori::drivers::test::SysfsCopy tree{"thunderbolt"};
  mamori::drivers::linux_os::LinuxThunderboltBus bus{tree.root()};
  mamori::agent::device::ThunderboltControl thunderbolt{bus, f.sink, f.dir.file("keys"),
                                                        [] { return std::string(64, 'a'); }};
  f.start(thunderbolt, R"({"thunderbolt": "block"})");
  const auto authorized = [&] { return tree.attribute("bus/thunderbolt/devices/0-301/authorized"); };
  CHECK(authorized() == "0");
  const std::string challenge = f.challenge("device.blocked", "0-301");
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  CHECK(challenge.substr(9, 8) ==
        "01e30001");  // the Thunderbolt vendor and device id: the administrator sees the model
  CHECK(f.last("device.blocked", "0-301")->text("device.request_command") ==
        "mamori-agent request --device 0-301 --reason \"...\"");
  CHECK(f.listed("0-301", challenge));
  CHECK(f.challenge("device.audit", "0-1").empty());  // kept from start, only reported: nothing to ask for

  REQUIRE(f.grant(challenge));
  CHECK(authorized() == "1");
  REQUIRE(f.last("device.exception_granted", "") != nullptr);
  CHECK(f.last("device.exception_granted", "")->text("device.exception_device") ==
        "thunderbolt 01e3:0001 0e6b4a2c-9b1f-4d3e-8c7a-112233445566");
  CHECK(f.last("device.allowed", "0-301")->text("device.reason").rfind("temporary exception " + challenge, 0) == 0);
  CHECK(f.count("device.exception_used", "0-301") == 1);
  CHECK_FALSE(f.listed("0-301", challenge));
  CHECK_FALSE(f.grant(challenge));  // used up

  f.expire();
  CHECK(f.count("device.exception_expired") == 1);
  CHECK(authorized() == "0");  // deauthorized again: domain0 supports it
  CHECK(f.last("device.blocked", "0-301") != nullptr);
  CHECK(f.listed("0-301", f.challenge("device.blocked", "0-301")));  // a new challenge to ask again
}

TEST_CASE("pcie storage: a hot-plugged drive is freed for the grant and held again after it") {
  ExceptionFixture f("pci.kernel_name");
  auto bus = mamori::drivers::fake::FakePciBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/pcie");
  mamori::drivers::fake::FakeStorageNodes nodes;
  mamori::drivers::fake::FakeDeviceGate gate;
  mamori::agent::device::PciStorageControl pci{bus, nodes, gate, f.sink};
  f.start(pci, "{}");
  const std::string slotted = kSlotted;
  bus.remove("0000:01:00.0");
  pci.handleUevent(uevent("remove", "pci", slotted));
  const auto drive = newDrive();
  bus.hotPlug(drive, "nvme", {"nvme0n1"});
  const DeviceNumber disk{true, 259, 7};
  nodes.add(disk, "nvme3n1", "0000:01:00.0", true);  // its driver was faster than the agent
  pci.handleUevent(uevent("add", "pci", slotted));
  REQUIRE(bus.at("0000:01:00.0").driver.empty());
  CHECK_FALSE(gate.open(disk));
  const std::string challenge = f.challenge("device.blocked", "0000:01:00.0");
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  CHECK(challenge.substr(9, 8) == "144da80a");

  REQUIRE(f.grant(challenge));
  CHECK(bus.at("0000:01:00.0").driverOverride.empty());
  CHECK(bus.at("0000:01:00.0").driver == "nvme");
  CHECK(gate.open(disk, true));  // the device gate lets its disk open for the window
  CHECK(nodes.rereads() == std::vector<std::string>{"nvme3n1"});
  CHECK(f.count("device.exception_used", "0000:01:00.0") == 1);
  CHECK(f.last("device.exception_granted", "")->text("device.exception_device") ==
        "pcie_storage 144d:a80a 0a-0b-0c-0d-0e-0f-10-11");

  f.expire();
  CHECK(bus.at("0000:01:00.0").driverOverride == "mamori-blocked");
  CHECK(bus.at("0000:01:00.0").driver.empty());
  CHECK_FALSE(gate.open(disk));
  // Unplugged: no longer offered.
  bus.remove("0000:01:00.0");
  pci.handleUevent(uevent("remove", "pci", slotted));
  CHECK(f.control.blockedDevices().empty());
  // Devices present at start are never touched, grants or not.
  CHECK(bus.at("0000:02:00.0").driver == "nvme");
}

TEST_CASE("card readers: a blocked SD card is bound for the grant, by its CID") {
  ExceptionFixture f("mmc.kernel_name");
  auto bus = mamori::drivers::fake::FakeMmcBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/cardreader");
  mamori::agent::device::CardReaderControl cards{bus, f.blocks, f.sink};
  f.start(cards, "{}");
  CHECK_FALSE(bus.at("mmc0:aaaa").bound);
  const std::string challenge = f.challenge("device.blocked", "mmc0:aaaa");
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  CHECK(challenge.substr(9, 8) == "00035344");  // manfid and oemid
  CHECK(f.listed("mmc0:aaaa", challenge));
  CHECK(f.challenge("device.allowed", "mmc1:0001").empty());  // the eMMC system disk: not reported at all

  REQUIRE(f.grant(challenge));
  CHECK(bus.at("mmc0:aaaa").bound);
  CHECK(f.last("device.exception_granted", "")->text("device.exception_device") ==
        "card_readers 0003:5344 035344534433324780b1d2e3f4016200");
  f.expire();
  CHECK_FALSE(bus.at("mmc0:aaaa").bound);
}

TEST_CASE("optical: a burner refused writing gets a challenge; the grant lets it burn until it ends") {
  ExceptionFixture f("optical.model");
  mamori::drivers::linux_os::LinuxOpticalDrives drives(std::string(MAMORI_SYSFS_FIXTURES) + "/optical", "/dev");
  mamori::drivers::fake::FakeDeviceGate gate;
  mamori::agent::device::OpticalControl optical{drives, f.blocks, gate, f.sink};
  f.start(optical, "{}");  // read_only: burning refused
  const DeviceNumber sr0{true, 11, 0};
  const DeviceNumber sg1{false, 21, 1};
  CHECK(gate.rules.at(sg1) == DeviceAccess::kReadOnly);
  const std::string challenge = f.challenge("device.read_only", "DVDRAM GP57EB40");
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  CHECK(f.listed("2:0:0:0", challenge));
  // A burning program refused: the event (and the desktop notice) say how to ask.
  RefusedOpen open;
  open.device = sg1;
  open.wantedWrite = true;
  open.pid = 4242;
  open.command = "wodim";
  gate.queued.push_back(open);
  optical.reportRefused(gate.refused());
  CHECK(f.events.back().type == "device.open_refused");
  CHECK(f.events.back().text("device.request_command") == "mamori-agent request --device 2:0:0:0 --reason \"...\"");

  REQUIRE(f.grant(challenge));
  CHECK(gate.rules.at(sg1) == DeviceAccess::kAll);
  CHECK(gate.rules.at(sr0) == DeviceAccess::kAll);
  CHECK(f.blocks.readOnly.count("sr0") == 0);  // writable again
  CHECK(f.blocks.readOnly.count("sr1") == 1);  // the other drive is not named by the grant
  CHECK(f.count("device.exception_used", "DVDRAM GP57EB40") == 1);
  CHECK(f.last("device.exception_granted", "")->text("device.exception_device").find("HL-DT-ST/DVDRAM GP57EB40") !=
        std::string::npos);

  f.expire();
  CHECK(gate.rules.at(sg1) == DeviceAccess::kReadOnly);
  CHECK(f.blocks.readOnly.count("sr0") == 1);
}

TEST_CASE("hot-plugged disks: a refused eSATA disk gets a challenge; the grant lets it open until it ends") {
  ExceptionFixture f("scsi.address");
  mamori::drivers::fake::FakeStorageNodes nodes;
  mamori::drivers::fake::FakeDeviceGate gate;
  const DeviceNumber bootDisk{true, 8, 0};
  nodes.addScsi(bootDisk, "sda", "0:0:0:0", true);
  mamori::agent::device::HotplugDiskControl disks{nodes, gate, f.sink,
                                                  [](const std::vector<std::string>&) { return false; }};
  f.start(disks, "{}");
  // The disk on the eSATA port, its first partition and its sg node, then their uevents.
  const DeviceNumber disk{true, 8, 16};
  const DeviceNumber part{true, 8, 17};
  const DeviceNumber sg{false, 21, 1};
  nodes.addScsi(disk, "sdb", "2:0:0:0", true).serial = "WX1";
  nodes.addScsi(part, "sdb1", "2:0:0:0", false).serial = "WX1";
  nodes.addScsi(sg, "sg1", "2:0:0:0", false).serial = "WX1";
  const auto add = [&](const DeviceNumber& number, const std::string& name) {
    auto event =
        uevent("add", number.block ? "block" : "scsi_generic", "/devices/x/" + name, number.block ? "disk" : "");
    event.vars["MAJOR"] = std::to_string(number.major);
    event.vars["MINOR"] = std::to_string(number.minor);
    disks.handleUevent(event);
  };
  add(disk, "sdb");
  add(part, "sdb1");
  add(sg, "sg1");
  CHECK_FALSE(gate.open(disk));
  const std::string challenge = f.challenge("device.blocked", "2:0:0:0");
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  CHECK(f.listed("2:0:0:0", challenge));
  CHECK(f.last("device.blocked", "2:0:0:0")->text("device.request_command") ==
        "mamori-agent request --device 2:0:0:0 --reason \"...\"");

  REQUIRE(f.grant(challenge));
  CHECK(gate.open(disk, true));
  CHECK(gate.open(part, true));
  CHECK(gate.open({true, 8, 18}, true));  // a partition made under the grant
  CHECK(gate.open(sg, true));
  CHECK(nodes.rereads() == std::vector<std::string>{"sdb"});  // the refused partition scan, read again
  CHECK(f.count("device.exception_used", "2:0:0:0") == 1);
  CHECK(f.count("device.connected", "2:0:0:0") == 1);  // decided again, not connected again
  CHECK(f.last("device.exception_granted", "")->text("device.exception_device").find("ATA/Portable SSD/WX1") !=
        std::string::npos);
  CHECK(f.control.blockedDevices().empty());
  // Another disk of the same model with another serial is not named by the grant.
  const DeviceNumber second{true, 8, 32};
  nodes.addScsi(second, "sdc", "3:0:0:0", true).serial = "WX2";
  add(second, "sdc");
  CHECK_FALSE(gate.open(second));
  CHECK(f.emitted("device.blocked", "3:0:0:0"));

  f.expire();
  CHECK_FALSE(gate.open(disk));
  CHECK_FALSE(gate.open(part));
  CHECK_FALSE(gate.open(sg));
  CHECK(gate.open(bootDisk, true));  // the system disk throughout
  const std::string again = f.challenge("device.blocked", "2:0:0:0");
  CHECK(mamori::policy::isExceptionChallenge(again));
  CHECK(f.listed("2:0:0:0", again));
  // Unplugged: no longer offered.
  nodes.remove(disk);
  nodes.remove(part);
  nodes.remove(sg);
  disks.handleUevent(
      uevent("remove", "scsi", "/devices/pci0000:00/0000:00:1f.2/host2/target2:0:0/2:0:0:0", "scsi_device"));
  CHECK_FALSE(f.listed("2:0:0:0", again));
  CHECK(f.control.blockedDevices().size() == 1);  // the other disk, still there
}

TEST_CASE("a grant opens only the channel it was offered for") {
  mamori::agent::device::DeviceExceptions exceptions;
  const mamori::agent::device::DeviceIdentity pci{0x144d, 0xa80a, "serial", "pcie_storage"};
  const mamori::agent::device::DeviceIdentity usb{0x144d, 0xa80a, "serial"};
  const auto key = mamori::common::SigningKey::generate().value();
  const std::string challenge = exceptions.offer(pci, "agent-1", 7);
  const auto granted =
      exceptions.accept(mamori::policy::signExceptionResponse(key, challenge, 5).value(), key.publicKey(), 0);
  REQUIRE(granted.ok());
  CHECK(exceptions.covering(pci, 1000));
  CHECK_FALSE(exceptions.covering(usb, 1000));
}
