// Thunderbolt/USB4: thunderbolt, thunderbolt_allow and thunderbolt_keep_authorized.
#include <doctest/doctest.h>

#include "policy/PolicyParser.h"
#include "policy/ThunderboltEvaluator.h"
#include "tests/policy/TestFiles.h"
#include "tests/policy/VerdictSummary.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;
using mamori::policy::test::summary;

namespace {
ThunderboltDeviceFacts enclosure(const std::string& security = "user", bool atStart = false) {
  return {"0e6b4a2c-9b1f-4d3e-8c7a-112233445566", 0x01e3, 0x0001, security, atStart};
}
}  // namespace

TEST_CASE("thunderbolt: block where the kernel waits for us; only reported elsewhere") {
  DeviceControlSettings settings;
  settings.thunderbolt = ChannelAction::kBlock;
  auto verdict = evaluateThunderboltDevice(settings, enclosure());
  CHECK(summary(verdict) == "block/block #-1: thunderbolt is block");
  CHECK(verdict.enforceable);
  CHECK(evaluateThunderboltDevice(settings, enclosure("secure")).decision == PciDecision::kBlock);
  for (const char* level : {"none", "dponly", "usbonly", "nopcie", ""}) {
    verdict = evaluateThunderboltDevice(settings, enclosure(level));
    CHECK(verdict.decision == PciDecision::kAllow);
    CHECK(verdict.decided == PciDecision::kBlock);
    CHECK(verdict.audit);
    CHECK_FALSE(verdict.enforceable);
  }
  CHECK(evaluateThunderboltDevice(settings, enclosure("none")).reason ==
        "security level none: the kernel authorized it (the pcie_storage channel still applies), would block: "
        "thunderbolt is block");
  verdict = evaluateThunderboltDevice(settings, enclosure("user", true));
  CHECK(verdict.decision == PciDecision::kAllow);
  CHECK(verdict.audit);
  settings.thunderboltKeepAuthorized = false;
  CHECK(evaluateThunderboltDevice(settings, enclosure("user", true)).decision == PciDecision::kBlock);
  settings.thunderbolt = ChannelAction::kAllow;
  verdict = evaluateThunderboltDevice(settings, enclosure());
  CHECK(verdict.decision == PciDecision::kAllow);
  CHECK_FALSE(verdict.audit);
  settings.thunderbolt = ChannelAction::kAudit;
  CHECK(evaluateThunderboltDevice(settings, enclosure()).reason == "audit, would block: thunderbolt is audit");
  settings.thunderbolt = ChannelAction::kBlock;
  settings.mode = Mode::kAudit;
  CHECK(evaluateThunderboltDevice(settings, enclosure()).reason.rfind("audit mode, would block", 0) == 0);
  settings.mode = Mode::kOff;
  CHECK(evaluateThunderboltDevice(settings, enclosure()).reason == "device control is off");
}

TEST_CASE("thunderbolt_allow: by UUID or by vendor and device id") {
  DeviceControlSettings settings;
  settings.thunderbolt = ChannelAction::kBlock;
  settings.thunderboltAllow.push_back({"0e6b4a2c-9b1f-4d3e-8c7a-112233445566", 0, 0, "backup disk"});
  auto verdict = evaluateThunderboltDevice(settings, enclosure());
  CHECK(summary(verdict) == "allow/allow #0: allowed by thunderbolt_allow entry 0 (backup disk)");
  auto other = enclosure();
  other.uniqueId = "11111111-9b1f-4d3e-8c7a-112233445566";
  CHECK(evaluateThunderboltDevice(settings, other).decision == PciDecision::kBlock);
  other.uniqueId.clear();  // unreadable: matches no UUID entry
  CHECK(evaluateThunderboltDevice(settings, other).decision == PciDecision::kBlock);
  settings.thunderboltAllow.push_back({"", 0x01e3, 0x0001, "Envoy"});
  CHECK(evaluateThunderboltDevice(settings, other).allowEntry == 1);
}

TEST_CASE("thunderbolt keys are parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "thunderbolt": "allow", "thunderbolt_keep_authorized": false,
    "thunderbolt_allow": [{"unique_id": "0E6B4A2C-9B1F-4D3E-8C7A-112233445566", "comment": "disk"},
                          {"vendor_id": "00d4", "device_id": "b070"}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& dc = result.policy->deviceControl;
  CHECK(dc.thunderbolt == ChannelAction::kAllow);
  CHECK_FALSE(dc.thunderboltKeepAuthorized);
  REQUIRE(dc.thunderboltAllow.size() == 2);
  CHECK(dc.thunderboltAllow[0].uniqueId == "0e6b4a2c-9b1f-4d3e-8c7a-112233445566");
  CHECK(dc.thunderboltAllow[1].vendorId == 0xd4);
  // Docks are never locked out by default; storage behind them is pcie_storage's (block by default).
  CHECK(DeviceControlSettings{}.thunderbolt == ChannelAction::kAllow);
  CHECK(DeviceControlSettings{}.pcieStorage == ChannelAction::kBlock);
  CHECK(DeviceControlSettings{}.thunderboltKeepAuthorized);

  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "thunderbolt": "read_only", "thunderbolt_keep_authorized": "yes",
    "thunderbolt_allow": [{"unique_id": "not-a-uuid"}, {"vendor_id": "00d4"}, {"unique_id":
    "0e6b4a2c-9b1f-4d3e-8c7a-112233445566", "vendor_id": "00d4", "device_id": "b070"},
    {"vendor_id": "00d4", "device_id": "b070"}, {"vendor_id": "00d4", "device_id": "b070"}]}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/thunderbolt", R"(expected one of "block", "allow", "audit")"));
  CHECK(hasError(result, "/device_control/thunderbolt_keep_authorized", "expected"));
  CHECK(hasError(result, "/device_control/thunderbolt_allow/0/unique_id", "expected the device's UUID"));
  CHECK(hasError(result, "/device_control/thunderbolt_allow/1", "expected unique_id, or vendor_id and device_id"));
  CHECK(hasError(result, "/device_control/thunderbolt_allow/2", "not both"));
  CHECK(hasError(result, "/device_control/thunderbolt_allow/4", "duplicate thunderbolt_allow entry"));
}
