#include <doctest/doctest.h>

#include "policy/DeviceEvaluator.h"

using namespace mamori::policy;

namespace {

UsbDeviceFacts compositeKeyboardWithStorage() {
  // A "keyboard" that also presents a mass-storage interface: the classic BadUSB-style stick.
  return UsbDeviceFacts{0x1234, 0x5678, "K1", usb::kPerInterface, {usb::kHid, usb::kMassStorage}};
}

DeviceControlSettings withCompanyStick(DeviceAccess access, std::string serial) {
  DeviceControlSettings settings;
  settings.allow.push_back({0x0951, 0x1666, std::move(serial), access, "asset 4411"});
  return settings;
}

}  // namespace

TEST_CASE("composite keyboard + storage: keyboard allowed, storage blocked") {
  const auto verdict = evaluateUsbDevice(DeviceControlSettings{}, compositeKeyboardWithStorage());
  REQUIRE(verdict.interfaces.size() == 2);
  CHECK(verdict.interfaces[0].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[0].reason == "hid is always allowed");
  CHECK(verdict.interfaces[1].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[1].reason == "class_actions.mass_storage is block");
  CHECK(verdict.decision == DeviceDecision::kPartial);
  CHECK_FALSE(verdict.audit);
  CHECK(verdict.reason == "interface 1: class_actions.mass_storage is block");
}

TEST_CASE("a plain stick is blocked; a mouse and a hub are allowed") {
  CHECK(evaluateUsbDevice({}, UsbDeviceFacts{0x0951, 0x1666, "X", 0, {usb::kMassStorage}}).decision ==
        DeviceDecision::kBlock);
  CHECK(evaluateUsbDevice({}, UsbDeviceFacts{0x046d, 0xc077, "", 0, {usb::kHid}}).decision == DeviceDecision::kAllow);
  // No interfaces known: the device class decides.
  CHECK(evaluateUsbDevice({}, UsbDeviceFacts{0x1d6b, 0x0002, "", usb::kHub, {}}).decision == DeviceDecision::kAllow);
  CHECK(evaluateUsbDevice({}, UsbDeviceFacts{0x04e8, 0x6860, "", usb::kStillImage, {}}).decision ==
        DeviceDecision::kBlock);
}

TEST_CASE("default_action block never blocks HID") {
  DeviceControlSettings settings;
  settings.defaultAction = DeviceAction::kBlock;
  const auto verdict = evaluateUsbDevice(settings, UsbDeviceFacts{1, 2, "", 0, {usb::kHid, 0x01, usb::kHub}});
  CHECK(verdict.interfaces[0].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[1].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[1].reason == "default_action is block");
  CHECK(verdict.interfaces[2].action == DeviceAction::kAllow);
}

TEST_CASE("allow-listed serial: full or read-only") {
  const UsbDeviceFacts stick{0x0951, 0x1666, "60A44C3F", 0, {usb::kMassStorage}};

  auto verdict = evaluateUsbDevice(withCompanyStick(DeviceAccess::kFull, "60A44C3F"), stick);
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.allowEntry == 0);
  CHECK(verdict.interfaces[0].reason ==
        "mass_storage allowed by allow entry 0 (0951:1666 serial 60A44C3F, asset 4411)");

  verdict = evaluateUsbDevice(withCompanyStick(DeviceAccess::kReadOnly, "60A44C3F"), stick);
  CHECK(verdict.decision == DeviceDecision::kReadOnly);
  CHECK(verdict.interfaces[0].action == DeviceAction::kReadOnly);

  // Another stick of the same model, different serial: not allowed.
  verdict = evaluateUsbDevice(withCompanyStick(DeviceAccess::kFull, "60A44C3F"),
                              UsbDeviceFacts{0x0951, 0x1666, "OTHER", 0, {usb::kMassStorage}});
  CHECK(verdict.decision == DeviceDecision::kBlock);
  CHECK(verdict.allowEntry == -1);
}

TEST_CASE("a serial-specific entry wins over a model-wide one") {
  DeviceControlSettings settings;
  settings.allow.push_back({0x0951, 0x1666, "", DeviceAccess::kFull, "model"});
  settings.allow.push_back({0x0951, 0x1666, "S2", DeviceAccess::kReadOnly, "release stick"});
  CHECK(evaluateUsbDevice(settings, {0x0951, 0x1666, "S2", 0, {usb::kMassStorage}}).decision ==
        DeviceDecision::kReadOnly);
  CHECK(evaluateUsbDevice(settings, {0x0951, 0x1666, "S3", 0, {usb::kMassStorage}}).decision == DeviceDecision::kAllow);
}

TEST_CASE("read_only access on a class that cannot be read-only stays blocked") {
  const auto settings = withCompanyStick(DeviceAccess::kReadOnly, "");
  const auto verdict = evaluateUsbDevice(settings, {0x0951, 0x1666, "P", 0, {usb::kStillImage, usb::kMassStorage}});
  CHECK(verdict.interfaces[0].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[0].reason.find("cannot be enforced for still_image") != std::string::npos);
  CHECK(verdict.interfaces[1].action == DeviceAction::kReadOnly);
  CHECK(verdict.decision == DeviceDecision::kPartial);
}

TEST_CASE("audit mode: would-block verdicts are flagged, nothing is enforced") {
  DeviceControlSettings settings;
  settings.mode = Mode::kAudit;
  const auto verdict = evaluateUsbDevice(settings, compositeKeyboardWithStorage());
  CHECK(verdict.audit);
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.decided == DeviceDecision::kPartial);
  CHECK(verdict.interfaces[1].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[1].decided == DeviceAction::kBlock);
  CHECK(verdict.reason.rfind("audit mode, would partial", 0) == 0);

  // Audit of an allowed device is not an audit finding.
  CHECK_FALSE(evaluateUsbDevice(settings, {1, 2, "", 0, {usb::kHid}}).audit);
}

TEST_CASE("mode off allows everything") {
  DeviceControlSettings settings;
  settings.mode = Mode::kOff;
  const auto verdict = evaluateUsbDevice(settings, compositeKeyboardWithStorage());
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.decided == DeviceDecision::kAllow);
  CHECK_FALSE(verdict.audit);
  CHECK(verdict.reason == "device control is off");
}
