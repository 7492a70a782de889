// DeviceControl over the recorded desktop tree (tests/fixtures/sysfs/desktop) through the fake bus:
// what it writes, which events it emits, and the read-only path.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "agent/device/DeviceControl.h"
#include "agent/device/OpticalControl.h"
#include "agent/device/PciStorageControl.h"
#include "common/KeyFiles.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakePciBus.h"
#include "drivers/fake/FakeStorageNodes.h"
#include "drivers/fake/FakeUeventSource.h"
#include "drivers/fake/FakeUsbBus.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "policy/DefaultPolicy.h"
#include "policy/DeviceException.h"
#include "policy/PolicyParser.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/device/SlottedDrive.h"
#include "tests/agent/device/UsbFixture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::DeviceControl;

struct Fixture : UsbFixture {
  Fixture() : UsbFixture("desktop") {}
};

mamori::policy::Policy policyFrom(const std::string& json) {
  auto parsed = mamori::policy::parsePolicy(json);
  if (!parsed.ok()) FAIL(parsed.describe());
  return *parsed.policy;
}

}  // namespace

TEST_CASE("built-in policy at start: defaults closed, attached storage blocked, keyboards kept") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control.apply(mamori::policy::builtinPolicy()).ok());
  for (const char* hub : {"usb1", "usb2"}) {
    CHECK_FALSE(f.bus.authorizedDefault(hub));
    CHECK_FALSE(f.bus.interfaceAuthorizedDefault(hub));
  }
  CHECK_FALSE(f.bus.at("2-1").authorized);  // the stick attached before start
  CHECK(f.bus.at("1-1").authorized);        // the keyboard
  // Composite: the device stays, its keyboard interface stays, its storage interface goes.
  CHECK(f.bus.at("1-2").authorized);
  CHECK(f.bus.at("1-2").interfaces[0].authorized);
  CHECK_FALSE(f.bus.at("1-2").interfaces[1].authorized);
  CHECK(f.wrote("interface_authorized 1-2:1.1 0"));
  CHECK_FALSE(f.bus.at("2-2").authorized);  // unauthorized storage is left that way
  CHECK(f.emitted("device.blocked", "stick-1"));
  CHECK(f.emitted("device.blocked", "combo-7"));
  CHECK(f.emitted("device.blocked", "company-0042"));
  CHECK(f.emitted("device.allowed", "68284-0000:00:04.0-1"));
  CHECK(f.emitted("device.connected", "stick-1"));
  CHECK(f.wrote("new_controllers_authorized 0"));  // a dock's controller plugged later starts closed
}

TEST_CASE("a plugged stick: blocked by default, authorized per interface when allow-listed") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control
              .apply(policyFrom(R"({"schema_version":1,"version":2,"name":"t","device_control":{"allow":[
      {"vendor_id":"46f4","product_id":"0001","serial":"company-1"}]}})"))
              .ok());
  f.bus.plug(stick("2-3", "private-9"));
  f.control.handleUevent(usbAdd("2-3"));
  CHECK_FALSE(f.bus.at("2-3").authorized);
  CHECK(f.emitted("device.blocked", "private-9"));

  f.bus.plug(stick("2-4", "company-1"));
  f.control.handleUevent(usbAdd("2-4"));
  CHECK(f.bus.at("2-4").authorized);
  CHECK(f.bus.at("2-4").interfaces[0].authorized);
  CHECK(f.wrote("interface_authorized 2-4:1.0 1"));
  CHECK(f.wrote("probe 2-4:1.0"));
  CHECK(f.emitted("device.allowed", "company-1"));
}

TEST_CASE("a device the kernel configures otherwise than predicted is decided again on what it configured") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control.apply(policyFrom(R"({"schema_version":1,"version":2,"name":"t","device_control":{}})")).ok());
  // Hostile: shows a harmless vendor-specific interface (allowed by default), and once authorized the
  // kernel configures a mass-storage interface with the same number: it must never be authorized.
  auto device = stick("2-6", "two-faced");
  device.interfaces = {{"", 0, 0xff, 0xff, 0x00, false}};
  f.bus.plug(device);
  f.bus.configuresAs("2-6", {{"", 0, 0x08, 6, 0x50, false}});
  f.control.handleUevent(usbAdd("2-6"));
  CHECK_FALSE(f.bus.at("2-6").authorized);  // blocked as the mass storage it turned out to be
  CHECK_FALSE(f.wrote("interface_authorized 2-6:1.0 1"));
  CHECK(f.count("device.allowed", "two-faced") == 0);
  REQUIRE(f.last("device.blocked", "two-faced") != nullptr);
  CHECK(f.last("device.blocked", "two-faced")->text("device.reason") ==
        "interface 0: class_actions.mass_storage is block");

  // A keyboard whose configured interfaces differ from the predicted ones (one more): decided again
  // and kept, with one decision event.
  auto twoInterfaces = stick("2-8", "kbd-conf-3");
  twoInterfaces.interfaces = {{"", 0, 0x03, 1, 1, false}};
  f.bus.plug(twoInterfaces);
  f.bus.configuresAs("2-8", {{"", 0, 0x03, 1, 1, false}, {"", 1, 0x03, 0, 0, false}});
  f.control.handleUevent(usbAdd("2-8"));
  CHECK(f.bus.at("2-8").authorized);
  CHECK(f.bus.at("2-8").interfaces[0].authorized);
  CHECK(f.bus.at("2-8").interfaces[1].authorized);
  CHECK(f.count("device.allowed", "kbd-conf-3") == 1);
  CHECK(f.count("device.connected", "kbd-conf-3") == 1);
}

TEST_CASE("read-only entry: authorized, then its block devices get BLKROSET as they appear") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control
              .apply(policyFrom(R"({"schema_version":1,"version":2,"name":"t","device_control":{"allow":[
      {"vendor_id":"46f4","product_id":"0001","serial":"stick-1","access":"read_only"}]}})"))
              .ok());
  // Attached before start with sda and sda1 already there: both read-only at once.
  CHECK(f.bus.at("2-1").authorized);
  CHECK(f.blocks.readOnly == std::set<std::string>{"sda", "sda1"});
  CHECK(f.emitted("device.read_only", "stick-1"));

  f.bus.plug(stick("2-5", "stick-1"));
  f.control.handleUevent(usbAdd("2-5"));
  CHECK(f.bus.at("2-5").authorized);
  auto block = uevent("add", "block",
                      "/devices/pci0000:00/0000:00:04.0/usb2/2-5/2-5:1.0/host1/target1:0:0/1:0:0:0/block/sdb", "disk");
  f.control.handleUevent(block);
  CHECK(f.blocks.readOnly.count("sdb") == 1);
  block.devpath = "/devices/pci0000:00/0000:00:04.0/usb2/2-50/2-50:1.0/host2/target2:0:0/2:0:0:0/block/sdc";
  f.control.handleUevent(block);  // 2-50 is not 2-5
  CHECK(f.blocks.readOnly.count("sdc") == 0);
  // What the optical channel asks about a drive inside a USB device.
  CHECK(f.control.readOnlyBelow("/devices/pci0000:00/0000:00:04.0/usb2/2-5/2-5:1.0/host1/target1:0:0/1:0:0:0"));
  CHECK_FALSE(f.control.readOnlyBelow("/devices/pci0000:00/0000:00:04.0/usb2/2-50/2-50:1.0"));
  CHECK_FALSE(f.control.readOnlyBelow("/devices/pci0000:00/0000:00:04.0/usb2/2-5"));
  f.control.handleUevent(uevent("remove", "usb", "/devices/pci0000:00/0000:00:04.0/usb2/2-5", "usb_device"));
  CHECK_FALSE(f.control.readOnlyBelow("/devices/pci0000:00/0000:00:04.0/usb2/2-5/2-5:1.0"));
}

// A USB burner is first a USB device (decided at its plug, before any SCSI type is known), then an
// optical drive. The recorded optical tree's USB writer sits in the desktop tree's USB device 2-1.
TEST_CASE("USB burner: the USB entry admits the drive, optical decides burning, a read_only entry caps it") {
  mamori::agent::test::qtApp();
  Fixture f;
  mamori::drivers::linux_os::LinuxOpticalDrives drives(std::string(MAMORI_SYSFS_FIXTURES) + "/optical", "/dev");
  mamori::drivers::fake::FakeDeviceGate gate;
  mamori::agent::device::OpticalControl optical{
      drives, f.blocks, gate, f.sink, [&](const std::string& devpath) { return f.control.readOnlyBelow(devpath); }};
  f.control.addChannel(&optical);
  const mamori::drivers::DeviceNumber usbSg{false, 21, 2};  // the USB writer's sg2 (sr1 is block 11:1)
  const auto rule = [&](const mamori::drivers::DeviceNumber& number) {
    const auto it = gate.rules.find(number);
    return it == gate.rules.end() ? mamori::drivers::DeviceAccess::kAll : it->second;
  };
  const auto policyWith = [](const std::string& access, int version) {
    return policyFrom(R"({"schema_version":1,"version":)" + std::to_string(version) +
                      R"(,"name":"t","device_control":{"optical":"allow","allow":[
      {"vendor_id":"46f4","product_id":"0001","serial":"stick-1","access":")" +
                      access + R"("}]}})");
  };
  // Allowed read-only by its USB entry at start: the drive reads discs, never burns, although optical
  // allows every drive; the SATA writer burns.
  REQUIRE(f.control.apply(policyWith("read_only", 2)).ok());
  CHECK(f.bus.at("2-1").authorized);
  CHECK(rule(usbSg) == mamori::drivers::DeviceAccess::kReadOnly);
  CHECK(rule({true, 11, 1}) == mamori::drivers::DeviceAccess::kReadOnly);
  CHECK(rule({false, 21, 1}) == mamori::drivers::DeviceAccess::kAll);  // the SATA writer's sg1
  CHECK(f.blocks.readOnly.count("sr1") == 1);
  const auto readOnly = std::find_if(f.events.begin(), f.events.end(), [](const auto& event) {
    return event.type == "device.read_only" && event.text("optical.model") == "SDRW-08D2S-U";
  });
  REQUIRE(readOnly != f.events.end());
  CHECK(readOnly->text("device.reason") == "its USB device is allowed read-only (optical is allow)");
  // The same USB entry with full access: the drive burns (optical allows it), sr1 writable again.
  REQUIRE(f.control.apply(policyWith("full", 3)).ok());
  CHECK(rule(usbSg) == mamori::drivers::DeviceAccess::kAll);
  CHECK(f.blocks.readOnly.count("sr1") == 0);
  // Under the default optical (read_only) the allowed USB burner reads discs and cannot burn.
  REQUIRE(f.control
              .apply(policyFrom(R"({"schema_version":1,"version":4,"name":"t","device_control":{"allow":[
      {"vendor_id":"46f4","product_id":"0001","serial":"stick-1"}]}})"))
              .ok());
  CHECK(rule(usbSg) == mamori::drivers::DeviceAccess::kReadOnly);
  CHECK(rule({false, 21, 1}) == mamori::drivers::DeviceAccess::kReadOnly);
}

TEST_CASE("audit: nothing blocked, defaults open, would-block reported") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control
              .apply(policyFrom(R"({"schema_version":1,"version":2,"name":"t",
      "device_control":{"mode":"audit"}})"))
              .ok());
  CHECK(f.bus.authorizedDefault("usb2"));
  CHECK(f.wrote("new_controllers_authorized 1"));
  CHECK(f.bus.at("2-1").authorized);
  CHECK(f.bus.at("2-2").authorized);  // authorized now: audit changes nothing the user sees
  CHECK(f.bus.at("1-2").interfaces[1].authorized);
  CHECK(f.emitted("device.audit", "stick-1"));
  CHECK_FALSE(f.emitted("device.blocked", "stick-1"));
}

TEST_CASE("enforce then off: everything authorized again and no events") {
  mamori::agent::test::qtApp();
  Fixture f;
  REQUIRE(f.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK_FALSE(f.bus.at("2-1").authorized);
  f.events.clear();
  REQUIRE(f.control
              .apply(policyFrom(R"({"schema_version":1,"version":3,"name":"t",
      "device_control":{"mode":"off"}})"))
              .ok());
  CHECK(f.bus.authorizedDefault("usb1"));
  CHECK(f.bus.interfaceAuthorizedDefault("usb1"));
  CHECK(f.bus.at("2-1").authorized);
  CHECK(f.bus.at("1-2").interfaces[1].authorized);
  CHECK(f.events.empty());
}

TEST_CASE("no USB bus: nothing written, reported once") {
  mamori::agent::test::qtApp();
  mamori::drivers::fake::FakeUsbBus bus;
  mamori::drivers::fake::FakeBlockDevices blocks;
  int unavailable = 0;
  mamori::testsupport::CallbackEventSink sink(
      [&](const std::string& type, mamori::common::Severity, const Poco::JSON::Object::Ptr&) {
        unavailable += type == "device.unavailable" ? 1 : 0;
      });
  DeviceControl control(bus, blocks, nullptr, sink);
  REQUIRE(control.apply(mamori::policy::builtinPolicy()).ok());
  REQUIRE(control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(unavailable == 1);
  CHECK(bus.writes().empty());
}

TEST_CASE("no USB bus: the channels beside it still hear their uevents through the event loop") {
  // A PC without a USB bus still has PCIe slots: a drive hot-plugged there is held back all the same.
  mamori::agent::test::qtApp();
  mamori::drivers::fake::FakeUsbBus usb;  // no root hubs: no USB bus
  mamori::drivers::fake::FakeBlockDevices blocks;
  mamori::drivers::fake::FakeUeventSource uevents;
  ChannelFixture events("pci.kernel_name");
  auto pci = mamori::drivers::fake::FakePciBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/pcie");
  mamori::drivers::fake::FakeStorageNodes nodes;
  mamori::drivers::fake::FakeDeviceGate gate;
  mamori::agent::device::PciStorageControl pciStorage(pci, nodes, gate, events.sink);
  DeviceControl control(usb, blocks, &uevents, events.sink);
  control.addChannel(&pciStorage);
  REQUIRE(control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(events.count("device.unavailable") == 1);

  pci.remove("0000:01:00.0");
  uevents.push(uevent("remove", "pci", kSlotted));
  pci.hotPlug(newDrive(), "nvme", {"nvme0n1"});
  uevents.push(uevent("add", "pci", kSlotted));
  CHECK(mamori::agent::test::waitFor([&] { return events.emitted("device.blocked", "0000:01:00.0"); }));
  CHECK(pci.at("0000:01:00.0").driverOverride == "mamori-blocked");
  CHECK(pci.at("0000:01:00.0").driver.empty());
  CHECK(usb.writes().empty());
}

TEST_CASE("a refused write is an error of apply and a device.error event") {
  mamori::agent::test::qtApp();
  Fixture f;
  f.bus.failWrites(true);
  CHECK_FALSE(f.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(f.emitted("device.error", "stick-1"));
}

TEST_CASE("temporary exception: challenge offered, response opens the stick, expiry blocks it again") {
  mamori::agent::test::qtApp();
  mamori::agent::test::TempDir dir;
  Fixture f;
  const auto key = mamori::common::SigningKey::generate().value();
  REQUIRE(mamori::common::savePublicKey(key.publicKey(), dir.file("policy-key.pem")).ok());
  std::int64_t now = 1'000'000;
  REQUIRE(
      f.control
          .enableExceptions({"agent-1", dir.file("exceptions"), dir.file("policy-key.pem"), [&] { return now; }, ""})
          .ok());
  REQUIRE(f.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK_FALSE(f.bus.at("2-1").authorized);
  std::string challenge;
  for (const auto& e : f.events) {
    if (e.type == "device.blocked" && e.text("usb.serial") == "stick-1")
      challenge = e.text("device.exception_challenge");
  }
  REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  const std::string response = mamori::policy::signExceptionResponse(key, challenge, 30).value();
  auto drop = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file("exceptions/" + name)) << text << "\n";
  };

  // The blocked devices a person may ask for (mamori-agent request --list), with the same challenge.
  const auto blocked = f.control.blockedDevices();
  const auto listed = std::find_if(blocked.begin(), blocked.end(), [](const auto& b) { return b.id == "2-1"; });
  REQUIRE(listed != blocked.end());
  CHECK(listed->challenge == challenge);
  CHECK(listed->name.find("46f4:0001") != std::string::npos);

  drop("a", response);
  f.control.pollExceptions();
  CHECK(f.emitted("device.exception_granted", "stick-1"));
  CHECK(f.emitted("device.exception_used", "stick-1"));  // opened under the grant, reported once
  CHECK(f.bus.at("2-1").authorized);
  const auto after = f.control.blockedDevices();
  CHECK(std::none_of(after.begin(), after.end(), [](const auto& b) { return b.id == "2-1"; }));
  CHECK(f.bus.at("2-1").interfaces[0].authorized);
  CHECK_FALSE(std::filesystem::exists(dir.file("exceptions/a")));  // used once

  // Replayed: the challenge is used up. Forged: another key.
  drop("b", response);
  f.control.pollExceptions();
  const auto other = mamori::common::SigningKey::generate().value();
  std::string blocked2;
  for (const auto& e : f.events) {
    if (e.type == "device.blocked" && e.text("usb.serial") == "company-0042")
      blocked2 = e.text("device.exception_challenge");
  }
  drop("c", mamori::policy::signExceptionResponse(other, blocked2, 30).value());
  f.control.pollExceptions();
  CHECK(f.count("device.exception_refused") == 2);
  CHECK_FALSE(f.bus.at("2-2").authorized);
  // The same path for a code that came with an approved request: refused the same way.
  CHECK_FALSE(f.control.acceptResponse(response).ok());
  CHECK(f.count("device.exception_used") == 1);

  now += std::int64_t{29} * 60'000;
  f.control.pollExceptions();
  CHECK(f.bus.at("2-1").authorized);
  now += 60'000;
  f.control.pollExceptions();
  CHECK(f.emitted("device.exception_expired", "stick-1"));
  CHECK_FALSE(f.bus.at("2-1").authorized);
}
