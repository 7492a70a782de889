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
