// OpticalControl over the recorded tree of a desktop with a SATA DVD writer and a USB one
// (tests/fixtures/sysfs/optical, read by the real LinuxOpticalDrives) and a fake gate (drivers/fake): every
// sr device follows the channel from the start (block major 11, any minor), each drive's sr, sg and
// bsg numbers get the drive's rule (optical_allow by model), rules of a drive that went are cleared,
// and refused opens are reported with the drive and the process, once per 5 s.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "agent/device/OpticalControl.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakeUsbBus.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "tests/agent/device/ChannelFixture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::OpticalControl;
using mamori::drivers::DeviceAccess;
using mamori::drivers::DeviceNumber;
using mamori::drivers::kAnyMinor;
using mamori::drivers::RefusedOpen;

struct OpticalFixture : ChannelFixture {
  explicit OpticalFixture(const std::string& tree = std::string(MAMORI_SYSFS_FIXTURES) + "/optical")
      : ChannelFixture("optical.model"), drives(tree, "/dev") {}
  mamori::drivers::linux_os::LinuxOpticalDrives drives;
  mamori::drivers::fake::FakeBlockDevices blocks;
  mamori::drivers::fake::FakeDeviceGate gate;
  OpticalControl control{drives, blocks, gate, sink};

  DeviceAccess rule(const DeviceNumber& number) const {
    const auto it = gate.rules.find(number);
    return it == gate.rules.end() ? DeviceAccess::kAll : it->second;
  }
  void refuse(const DeviceNumber& number, bool write, std::int64_t pid = 4242) {
    RefusedOpen open;
    open.device = number;
    open.wantedWrite = write;
    open.wantedRead = true;
    open.pid = pid;
    open.uid = 1000;
    open.command = "wodim";
    gate.queued.push_back(open);
  }
};

const DeviceNumber kSr0{true, 11, 0};
const DeviceNumber kSg1{false, 21, 1};
const DeviceNumber kBsg1{false, 247, 1};
const DeviceNumber kSr1{true, 11, 1};
const DeviceNumber kAnySr{true, 11, kAnyMinor};

}  // namespace

TEST_CASE("read_only by default: every sr from the start, each drive's sr, sg and bsg; BLKROSET") {
  OpticalFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.starts == 1);
  CHECK(f.rule(kAnySr) == DeviceAccess::kReadOnly);
  CHECK(f.rule(kSr0) == DeviceAccess::kReadOnly);
  CHECK(f.rule(kSg1) == DeviceAccess::kReadOnly);
  CHECK(f.rule(kBsg1) == DeviceAccess::kReadOnly);
  CHECK(f.rule({false, 21, 2}) == DeviceAccess::kReadOnly);  // the USB writer's sg
  CHECK(f.gate.rules.count({false, 21, 0}) == 0);            // not the SATA disk's sg0
  CHECK(f.gate.rules.count({true, 8, 0}) == 0);
  CHECK(f.count("device.read_only", "DVDRAM GP57EB40") == 1);
  CHECK(f.count("device.read_only", "SDRW-08D2S-U") == 1);
  CHECK(f.count("device.connected") == 2);
  CHECK(f.blocks.readOnly == std::set<std::string>{"sr0", "sr1"});

  f.refuse(kSg1, true);
  f.refuse(kSg1, true);        // the same process again within 5 s: one event
  f.refuse(kSr0, true, 4243);  // another process
  f.control.reportRefused(f.gate.refused());
  REQUIRE(f.count("device.open_refused") == 2);
  CHECK(f.events[f.events.size() - 2].text("open.node") == "/dev/sg1");
  CHECK(f.events.back().text("open.node") == "/dev/sr0");
  CHECK(f.events.back().text("open.access") == "write");
  CHECK(f.events.back().text("process.name") == "wodim");
  CHECK(f.events.back().text("optical.model") == "DVDRAM GP57EB40");

  // The same policy again (a new version): each drive reported again, nothing else changes.
  f.control.apply(settingsFrom("{}"));
  CHECK(f.count("device.read_only") == 4);
  CHECK(f.gate.starts == 1);
}

TEST_CASE("block refuses all; optical_allow by model wins over the channel; audit and off enforce nothing") {
  OpticalFixture f;
  f.control.apply(settingsFrom(
      R"({"optical": "block", "optical_allow": [{"vendor": "HL-DT-ST", "model": "DVDRAM GP57EB40", "comment": "archive"}]})"));
  CHECK(f.rule(kAnySr) == DeviceAccess::kNone);
  CHECK(f.gate.rules.at(kSr0) == DeviceAccess::kAll);  // explicit: wins over the major's rule
  CHECK(f.rule(kSg1) == DeviceAccess::kAll);
  CHECK(f.rule(kSr1) == DeviceAccess::kNone);
  CHECK(f.count("device.allowed", "DVDRAM GP57EB40") == 1);
  CHECK(f.count("device.blocked", "SDRW-08D2S-U") == 1);
  CHECK(f.blocks.readOnly.empty());
  f.control.apply(settingsFrom(R"({"optical": "audit"})"));
  CHECK(f.rule(kAnySr) == DeviceAccess::kAll);
  CHECK(f.rule(kSr1) == DeviceAccess::kAll);
  CHECK(f.count("device.audit") == 2);
  f.control.apply(settingsFrom(R"({"mode": "off"})"));
  CHECK(f.rule(kSr1) == DeviceAccess::kAll);
  CHECK(f.rule(kAnySr) == DeviceAccess::kAll);
}

TEST_CASE("without the gate the drives are still reported, with the error once") {
  OpticalFixture f;
  f.gate.fails = true;
  f.control.apply(settingsFrom("{}"));
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.starts == 1);
  CHECK(f.count("device.error") == 1);
  CHECK(f.count("device.read_only") == 4);
  CHECK(f.gate.rules.empty());
  f.control.reportRefused(f.gate.refused());  // nothing to poll
}

TEST_CASE("a drive added later gets its rules at its uevent; one removed has them cleared") {
  const auto base = std::filesystem::temp_directory_path() / "mamori-optical-test";
  std::filesystem::remove_all(base);
  std::filesystem::copy(std::string(MAMORI_SYSFS_FIXTURES) + "/optical", base,
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  const auto usbLink = base / "bus/scsi/devices/3:0:0:0";
  const auto usbTarget = std::filesystem::read_symlink(usbLink);
  std::filesystem::remove(usbLink);
  OpticalFixture f(base.string());
  f.control.apply(settingsFrom("{}"));
  CHECK(f.gate.rules.count({false, 21, 2}) == 0);
  CHECK(f.gate.rules.count(kSr1) == 0);  // not seen yet: the major's rule covers it until its uevent
  CHECK(f.rule(kAnySr) == DeviceAccess::kReadOnly);
  std::filesystem::create_symlink(usbTarget, usbLink);
  mamori::drivers::Uevent event;
  event.action = "add";
  event.subsystem = "scsi_generic";
  event.devpath = "/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host3/target3:0:0/3:0:0:0/scsi_generic/sg2";
  f.control.handleUevent(event);
  CHECK(f.rule({false, 21, 2}) == DeviceAccess::kReadOnly);
  CHECK(f.count("device.read_only", "SDRW-08D2S-U") == 1);
  std::filesystem::remove(usbLink);
  event.action = "remove";
  f.control.handleUevent(event);
  CHECK(f.gate.rules.count({false, 21, 2}) == 0);  // sg2 goes to whatever SCSI device comes next
  // A refusal on an sr the agent has not seen yet: it looks, then reports what it found.
  std::filesystem::create_symlink(usbTarget, usbLink);
  f.refuse(kSr1, true);
  f.control.reportRefused(f.gate.refused());
  CHECK(f.events.back().type == "device.open_refused");
  CHECK(f.events.back().text("optical.model") == "SDRW-08D2S-U");
  event.subsystem = "block";
  event.devname = "sda";
  event.action = "add";
  const auto before = f.events.size();
  f.control.handleUevent(event);  // not an optical node: nothing looked at
  CHECK(f.events.size() == before);
  std::filesystem::remove_all(base);
}
