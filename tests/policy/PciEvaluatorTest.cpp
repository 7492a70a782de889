// Storage controllers hot-plugged on the PCI bus: pcie_storage and pci_allow.
#include <doctest/doctest.h>

#include "policy/PciEvaluator.h"
#include "policy/PolicyParser.h"
#include "tests/policy/TestFiles.h"
#include "tests/policy/VerdictSummary.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;
using mamori::policy::test::summary;

namespace {
// QEMU's NVMe controller in hot-plug slot "1", with a Device Serial Number.
PciDeviceFacts nvme() { return {0x1b36, 0x0010, 0x010802, "00-11-22-ff-fe-33-44-55", "1", true}; }
}  // namespace

TEST_CASE("pcie_storage: block by default, allow, audit") {
  DeviceControlSettings settings;
  auto verdict = evaluatePciDevice(settings, nvme());
  CHECK(verdict.controlled);
  CHECK(summary(verdict) == "block/block #-1: pcie_storage is block");
  settings.pcieStorage = ChannelAction::kAllow;
  CHECK(evaluatePciDevice(settings, nvme()).decision == PciDecision::kAllow);
  settings.pcieStorage = ChannelAction::kAudit;
  verdict = evaluatePciDevice(settings, nvme());
  CHECK(summary(verdict) == "allow/block audit #-1: audit, would block: pcie_storage is audit");
  settings.pcieStorage = ChannelAction::kBlock;
  settings.mode = Mode::kAudit;
  CHECK(evaluatePciDevice(settings, nvme()).decision == PciDecision::kAllow);
  CHECK(evaluatePciDevice(settings, nvme()).reason == "audit mode, would block: pcie_storage is block");
  settings.mode = Mode::kOff;
  CHECK_FALSE(evaluatePciDevice(settings, nvme()).controlled);
  CHECK(evaluatePciDevice(settings, nvme()).decision == PciDecision::kAllow);
}

TEST_CASE("the system disk and other classes are never controlled") {
  DeviceControlSettings settings;
  auto boot = nvme();
  boot.hotPlugged = false;  // present when the agent started, or not in a hot-plug slot
  auto verdict = evaluatePciDevice(settings, boot);
  CHECK_FALSE(verdict.controlled);
  CHECK(verdict.decision == PciDecision::kAllow);
  auto nic = nvme();
  nic.classCode = 0x020000;  // Ethernet
  CHECK(evaluatePciDevice(settings, nic).decision == PciDecision::kAllow);
  auto ahci = nvme();
  ahci.classCode = 0x010601;  // SATA AHCI
  CHECK(evaluatePciDevice(settings, ahci).decision == PciDecision::kBlock);
  auto hostile = nvme();
  hostile.classCode = 0xff010802;  // more than 24 bits: not storage by our reading, and not a device we touch
  CHECK(evaluatePciDevice(settings, hostile).decision == PciDecision::kAllow);
}

TEST_CASE("pci_allow by vendor and device id, serial and slot when named") {
  DeviceControlSettings settings;
  settings.pciAllow.push_back({0x1b36, 0x0010, "00-11-22-ff-fe-33-44-55", "", "backup drive"});
  auto verdict = evaluatePciDevice(settings, nvme());
  CHECK(summary(verdict) == "allow/allow #0: allowed by pci_allow entry 0 (backup drive)");
  auto upper = nvme();
  upper.serial = "00-11-22-FF-FE-33-44-55";
  CHECK(evaluatePciDevice(settings, upper).decision == PciDecision::kAllow);
  auto noSerial = nvme();
  noSerial.serial.clear();  // a device without the capability never matches an entry naming a serial
  CHECK(evaluatePciDevice(settings, noSerial).decision == PciDecision::kBlock);
  auto other = nvme();
  other.deviceId = 0x0011;
  CHECK(evaluatePciDevice(settings, other).decision == PciDecision::kBlock);
  settings.pciAllow = {{0x1b36, 0x0010, "", "2", ""}};
  CHECK(evaluatePciDevice(settings, nvme()).decision == PciDecision::kBlock);
  settings.pciAllow[0].slot = "1";
  CHECK(evaluatePciDevice(settings, nvme()).decision == PciDecision::kAllow);
}

TEST_CASE("pcie_storage and pci_allow are parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "pcie_storage": "audit",
    "pci_allow": [{"vendor_id": "1B36", "device_id": "0010", "serial": "00-11-22-FF-FE-33-44-55", "slot": "1",
                   "comment": "dock"}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& dc = result.policy->deviceControl;
  CHECK(dc.pcieStorage == ChannelAction::kAudit);
  REQUIRE(dc.pciAllow.size() == 1);
  CHECK(dc.pciAllow[0].vendorId == 0x1b36);
  CHECK(dc.pciAllow[0].deviceId == 0x0010);
  CHECK(dc.pciAllow[0].serial == "00-11-22-ff-fe-33-44-55");
  CHECK(dc.pciAllow[0].slot == "1");
  CHECK(DeviceControlSettings{}.pcieStorage == ChannelAction::kBlock);

  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "pcie_storage": "read_only", "pci_allow": [{"vendor_id": "1b36"}, {"vendor_id": "1b36", "device_id": "10"},
    {"vendor_id": "1b36", "device_id": "0010", "serial": "0011-22ff-fe33-4455"},
    {"vendor_id": "1b36", "device_id": "0010"}, {"vendor_id": "1b36", "device_id": "0010"},
    {"vendor_id": "1b36", "device_id": "0010", "product_id": "0010"}]}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/pcie_storage", R"(expected one of "block", "allow", "audit")"));
  CHECK(hasError(result, "/device_control/pci_allow/0/device_id", "missing required key"));
  CHECK(hasError(result, "/device_control/pci_allow/1/device_id", "expected 4 hex digits"));
  CHECK(hasError(result, "/device_control/pci_allow/2/serial", "expected the PCIe Device Serial Number"));
  CHECK(hasError(result, "/device_control/pci_allow/4", "duplicate pci_allow entry"));
  CHECK(hasError(result, "/device_control/pci_allow/5/product_id", ""));
}

TEST_CASE("a disk hot-plugged on a non-USB transport follows pcie_storage; disk_allow by model, vendor and serial") {
  DeviceControlSettings settings;
  const HotplugDiskFacts disk{"ATA", "Portable SSD", "S123"};
  CHECK(summary(evaluateHotplugDisk(settings, disk)) == "block/block #-1: pcie_storage is block");
  settings.diskAllow = {{"", "Portable SSD", "other", ""},
                        {"WDC", "Portable SSD", "", ""},
                        {"ATA", "Portable SSD", "S123", "asset 7"},
                        {"", "Portable SSD", "", "every unit"}};
  auto verdict = evaluateHotplugDisk(settings, disk);
  CHECK(summary(verdict) == "allow/allow #2: allowed by disk_allow entry 2 (asset 7)");
  CHECK(evaluateHotplugDisk(settings, {"ATA", "Portable SSD", ""}).allowEntry == 3);  // no serial: the model entry
  CHECK(evaluateHotplugDisk(settings, {"ATA", "Other", "S123"}).decision == PciDecision::kBlock);
  settings.diskAllow.clear();
  settings.pcieStorage = ChannelAction::kAudit;
  CHECK(summary(evaluateHotplugDisk(settings, disk)) ==
        "allow/block audit #-1: audit, would block: pcie_storage is audit");
  settings.mode = Mode::kOff;
  CHECK_FALSE(evaluateHotplugDisk(settings, disk).controlled);
}

TEST_CASE("disk_allow is parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "disk_allow": [{"vendor": " ATA ", "model": "Portable SSD", "serial": "S123", "comment": "asset 7"},
                   {"model": "QEMU HARDDISK"}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& disks = result.policy->deviceControl.diskAllow;
  REQUIRE(disks.size() == 2);
  CHECK(disks[0].vendor == "ATA");
  CHECK(disks[0].model == "Portable SSD");
  CHECK(disks[0].serial == "S123");
  CHECK(disks[1].vendor.empty());

  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "disk_allow": [{"vendor": "ATA"}, {"model": "a model longer than 16"}, {"model": "M", "serial": 7},
                   {"model": "M"}, {"model": "M"}, {"model": "M", "wwn": "x"}]}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/disk_allow/0/model", "missing required key"));
  CHECK(hasError(result, "/device_control/disk_allow/1/model", "expected the disk's model"));
  CHECK(hasError(result, "/device_control/disk_allow/2/serial", "expected the disk's serial"));
  CHECK(hasError(result, "/device_control/disk_allow/4", "duplicate disk_allow entry"));
  CHECK(hasError(result, "/device_control/disk_allow/5/wwn", ""));
}
