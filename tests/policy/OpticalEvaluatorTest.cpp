// CD/DVD/BD drives: optical and optical_allow.
#include <doctest/doctest.h>

#include "policy/OpticalEvaluator.h"
#include "policy/PolicyParser.h"
#include "tests/policy/TestFiles.h"
#include "tests/policy/VerdictSummary.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;
using mamori::policy::test::perAction;
using mamori::policy::test::summary;

namespace {
OpticalDriveFacts burner() { return {"HL-DT-ST", "DVDRAM GP57EB40"}; }
}  // namespace

TEST_CASE("optical: read_only by default (burning refused, discs readable); block, allow, audit") {
  CHECK(summary(evaluateOpticalDrive(DeviceControlSettings{}, burner())) ==
        "read_only/read_only #-1: optical is read_only");
  CHECK(perAction(&DeviceControlSettings::optical,
                  [](const auto& settings) { return evaluateOpticalDrive(settings, burner()); }) ==
        std::vector<std::string>{"block/block #-1: optical is block", "read_only/read_only #-1: optical is read_only",
                                 "allow/allow #-1: optical is allow",
                                 "allow/block audit #-1: audit, would block: optical is audit"});
  DeviceControlSettings settings;
  settings.mode = Mode::kAudit;
  const auto verdict = evaluateOpticalDrive(settings, burner());
  CHECK(verdict.decision == CardDecision::kAllow);
  CHECK(verdict.reason == "audit mode, would read_only: optical is read_only");
  settings.mode = Mode::kOff;
  CHECK(evaluateOpticalDrive(settings, burner()).reason == "device control is off");
}

TEST_CASE("optical_allow: by vendor and model; a model entry wins over a vendor-wide one") {
  DeviceControlSettings settings;
  settings.optical = CardAction::kBlock;
  settings.opticalAllow.push_back({"HL-DT-ST", "", DeviceAccess::kReadOnly, "LG drives read-only"});
  settings.opticalAllow.push_back({"HL-DT-ST", "DVDRAM GP57EB40", DeviceAccess::kFull, "archive PC"});
  auto verdict = evaluateOpticalDrive(settings, burner());
  CHECK(summary(verdict) == "allow/allow #1: drive allowed by optical_allow entry 1 (archive PC)");
  verdict = evaluateOpticalDrive(settings, {"HL-DT-ST", "BD-RE BH16NS40"});
  CHECK(verdict.decision == CardDecision::kReadOnly);
  CHECK(verdict.reason == "drive read-only by optical_allow entry 0 (LG drives read-only)");
  CHECK(evaluateOpticalDrive(settings, {"hl-dt-st", "DVDRAM GP57EB40"}).decision == CardDecision::kBlock);
  CHECK(evaluateOpticalDrive(settings, {"", ""}).decision == CardDecision::kBlock);
}

TEST_CASE("a drive in a USB device allowed read-only is at most read_only, whatever optical and optical_allow say") {
  DeviceControlSettings settings;
  settings.optical = CardAction::kAllow;
  const OpticalDriveFacts usbBurner{"ASUS", "SDRW-08D2S-U", true};
  CHECK(summary(evaluateOpticalDrive(settings, usbBurner)) ==
        "read_only/read_only #-1: its USB device is allowed read-only (optical is allow)");
  settings.optical = CardAction::kBlock;
  settings.opticalAllow.push_back({"ASUS", "SDRW-08D2S-U", DeviceAccess::kFull, "archive"});
  CHECK(
      summary(evaluateOpticalDrive(settings, usbBurner)) ==
      "read_only/read_only #0: its USB device is allowed read-only (drive allowed by optical_allow entry 0 (archive))");
  // Never wider than without the cap: the default read_only stays, block stays block; not read-only by USB, it burns.
  CHECK(evaluateOpticalDrive(DeviceControlSettings{}, usbBurner).decision == CardDecision::kReadOnly);
  settings.opticalAllow.clear();
  CHECK(evaluateOpticalDrive(settings, usbBurner).decision == CardDecision::kBlock);
  settings.opticalAllow.push_back({"ASUS", "SDRW-08D2S-U", DeviceAccess::kFull, "archive"});
  CHECK(evaluateOpticalDrive(settings, {"ASUS", "SDRW-08D2S-U"}).decision == CardDecision::kAllow);
  // Audit enforces nothing and says what enforce would do.
  settings.mode = Mode::kAudit;
  const auto audited = evaluateOpticalDrive(settings, usbBurner);
  CHECK(audited.decision == CardDecision::kAllow);
  CHECK(audited.decided == CardDecision::kReadOnly);
  settings.mode = Mode::kOff;
  CHECK(evaluateOpticalDrive(settings, usbBurner).decision == CardDecision::kAllow);
}

TEST_CASE("optical and optical_allow are parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "optical": "block",
    "optical_allow": [{"vendor": " QEMU ", "model": "QEMU DVD-ROM", "access": "read_only", "comment": "e2e"},
                      {"vendor": "HL-DT-ST"}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& dc = result.policy->deviceControl;
  CHECK(dc.optical == CardAction::kBlock);
  REQUIRE(dc.opticalAllow.size() == 2);
  CHECK(dc.opticalAllow[0].vendor == "QEMU");
  CHECK(dc.opticalAllow[0].model == "QEMU DVD-ROM");
  CHECK(dc.opticalAllow[0].access == DeviceAccess::kReadOnly);
  CHECK(dc.opticalAllow[1].model.empty());
  CHECK(DeviceControlSettings{}.optical == CardAction::kReadOnly);

  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "optical": "partial", "optical_allow": [{"vendor": "VERYLONGVENDOR"}, {"vendor": "QEMU", "model": 5},
    {"vendor": "A", "model": "B"}, {"vendor": "A", "model": "B "}, {"model": "X"}, {"vendor": "  "},
    {"vendor": "A\u0007"}]}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/optical", R"(expected one of "block", "read_only", "allow", "audit")"));
  CHECK(hasError(result, "/device_control/optical_allow/0/vendor", "expected the drive's vendor as sysfs shows it"));
  CHECK(hasError(result, "/device_control/optical_allow/1/model", "expected the drive's model"));
  CHECK(hasError(result, "/device_control/optical_allow/3", "duplicate optical_allow entry"));
  CHECK(hasError(result, "/device_control/optical_allow/4/vendor", "missing required key"));
  CHECK(hasError(result, "/device_control/optical_allow/5/vendor", "expected the drive's vendor"));
  CHECK(hasError(result, "/device_control/optical_allow/6/vendor", "expected the drive's vendor"));
}
