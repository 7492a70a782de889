// The phones channel: recognising MTP and PTP on an interface, and deciding those interfaces.
#include <doctest/doctest.h>

#include "policy/DeviceEvaluator.h"
#include "policy/PolicyParser.h"
#include "policy/UsbProtocol.h"
#include "tests/policy/TestFiles.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;

namespace {

UsbInterfaceFacts vendor(std::string label, std::uint8_t sub = 0xFF, std::uint8_t protocol = 0x00) {
  UsbInterfaceFacts facts = usbInterface(usb::kVendorSpecific, sub, protocol);
  facts.label = std::move(label);
  return facts;
}

// An Android phone in "file transfer" mode with USB debugging on: MTP + ADB, both vendor-specific.
UsbDeviceFacts androidPhone() {
  UsbDeviceFacts phone{0x18D1, 0x4EE2, "0A1B2C3D", usb::kPerInterface, {usb::kVendorSpecific, usb::kVendorSpecific}};
  phone.interfaces = {vendor("MTP"), vendor("ADB Interface", 0x42, 0x01)};
  return phone;
}

DeviceControlSettings vendorSpecificAllowed() {
  DeviceControlSettings settings;
  settings.classActions[usb::kVendorSpecific] = DeviceAction::kAllow;
  return settings;
}

}  // namespace

TEST_CASE("MTP is recognised by its interface string, its MS OS descriptor or the still image class") {
  auto byString = recogniseTransferProtocol(vendor(" mtp "));
  CHECK(byString.protocol == TransferProtocol::kMtp);
  CHECK(byString.evidence == std::vector<std::string>{"interface_string"});

  UsbInterfaceFacts msos = usbInterface(usb::kVendorSpecific, 0xFF);
  msos.msCompatibleId = "MTP";
  CHECK(recogniseTransferProtocol(msos).evidence == std::vector<std::string>{"ms_os_descriptor"});
  CHECK(recogniseTransferProtocol(msos).protocol == TransferProtocol::kMtp);

  // QEMU's usb-mtp and many phones: still image class, string "MTP", MS OS compatible ID "MTP".
  UsbInterfaceFacts all = usbInterface(usb::kStillImage, 0x01, 0x01);
  all.label = "MTP";
  all.msCompatibleId = "MTP";
  const auto full = recogniseTransferProtocol(all);
  CHECK(full.protocol == TransferProtocol::kMtp);
  CHECK(full.evidence == std::vector<std::string>{"interface_string", "ms_os_descriptor", "still_image_class"});

  // A camera: PTP by class alone.
  const auto camera = recogniseTransferProtocol(usbInterface(usb::kStillImage, 0x01, 0x01));
  CHECK(camera.protocol == TransferProtocol::kPtp);
  CHECK(camera.evidence == std::vector<std::string>{"still_image_class"});

  // Not MTP: ADB, a string that merely contains MTP, a scanner-like still image interface.
  CHECK(recogniseTransferProtocol(vendor("ADB Interface", 0x42, 0x01)).protocol == TransferProtocol::kNone);
  CHECK(recogniseTransferProtocol(vendor("MTPX")).protocol == TransferProtocol::kNone);
  CHECK(recogniseTransferProtocol(vendor("M")).protocol == TransferProtocol::kNone);
  CHECK(recogniseTransferProtocol(usbInterface(usb::kStillImage, 0x02, 0x00)).protocol == TransferProtocol::kNone);
}

TEST_CASE("a vendor-specific interface whose string could not be read is unidentified; other classes are not") {
  UsbInterfaceFacts hidden = usbInterface(usb::kVendorSpecific, 0xFF);
  hidden.labelUnreadable = true;
  const auto recognition = recogniseTransferProtocol(hidden);
  CHECK(recognition.protocol == TransferProtocol::kUnidentified);
  CHECK(recognition.evidence == std::vector<std::string>{"unreadable_interface_string"});
  hidden.labelUnreadable = false;
  hidden.msOsUnreadable = true;
  CHECK(recogniseTransferProtocol(hidden).evidence == std::vector<std::string>{"unreadable_ms_os_descriptor"});

  UsbInterfaceFacts audio = usbInterface(0x01, 0x01);
  audio.labelUnreadable = true;
  CHECK(recogniseTransferProtocol(audio).protocol == TransferProtocol::kNone);
}

TEST_CASE("phones block: the MTP interface is refused, ADB follows vendor_specific, the device stays usable") {
  const auto verdict = evaluateUsbDevice(vendorSpecificAllowed(), androidPhone());
  REQUIRE(verdict.interfaces.size() == 2);
  CHECK(verdict.interfaces[0].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[0].recognition.protocol == TransferProtocol::kMtp);
  CHECK(verdict.interfaces[0].reason == "phones is block (mtp by interface_string)");
  CHECK(verdict.interfaces[1].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[1].reason == "class_actions.vendor_specific is allow");
  CHECK(verdict.decision == DeviceDecision::kPartial);
  CHECK(verdict.reason == "interface 0: phones is block (mtp by interface_string)");
  CHECK_FALSE(verdict.audit);
}

TEST_CASE("phones is block by default, even where still_image is allowed; a camera's PTP is refused") {
  CHECK(DeviceControlSettings{}.phones == ChannelAction::kBlock);
  DeviceControlSettings settings;
  settings.classActions[usb::kStillImage] = DeviceAction::kAllow;
  UsbDeviceFacts camera{0x04A9, 0x3218, "", 0, {usb::kStillImage}};
  camera.interfaces = {usbInterface(usb::kStillImage, 0x01, 0x01)};
  const auto verdict = evaluateUsbDevice(settings, camera);
  CHECK(verdict.decision == DeviceDecision::kBlock);
  CHECK(verdict.interfaces[0].reason == "phones is block (ptp by still_image_class)");
  // Without interface details the class alone decides, as before.
  camera.interfaces.clear();
  CHECK(evaluateUsbDevice(settings, camera).decision == DeviceDecision::kAllow);
}

TEST_CASE("phones allow and audit") {
  auto settings = vendorSpecificAllowed();
  settings.phones = ChannelAction::kAllow;
  auto verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.interfaces[0].reason == "phones is allow (mtp by interface_string)");
  CHECK_FALSE(verdict.audit);

  settings.phones = ChannelAction::kAudit;
  verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.decision == DeviceDecision::kAllow);   // nothing enforced
  CHECK(verdict.decided == DeviceDecision::kPartial);  // what block would do
  CHECK(verdict.interfaces[0].decided == DeviceAction::kBlock);
  CHECK(verdict.interfaces[0].action == DeviceAction::kAllow);
  CHECK(verdict.audit);
  CHECK(verdict.reason == "audit, would partial: interface 0: phones is audit (mtp by interface_string)");

  // Audit for phones does not soften storage: a phone that also offers mass storage loses that.
  UsbDeviceFacts both = androidPhone();
  both.interfaceClasses.push_back(usb::kMassStorage);
  both.interfaces.push_back(usbInterface(usb::kMassStorage, 0x06, 0x50));
  verdict = evaluateUsbDevice(settings, both);
  CHECK(verdict.decision == DeviceDecision::kPartial);
  CHECK(verdict.interfaces[0].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[2].action == DeviceAction::kBlock);
  CHECK(verdict.audit);
}

TEST_CASE("an allow entry lifts the phones block for that phone only; read_only cannot") {
  auto settings = vendorSpecificAllowed();
  settings.allow.push_back({0x18D1, 0x4EE2, "0A1B2C3D", DeviceAccess::kFull, "company phone"});
  auto verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.interfaces[0].reason == "mtp allowed by allow entry 0 (18d1:4ee2 serial 0A1B2C3D, company phone)");

  auto other = androidPhone();
  other.serial = "FFFF";
  CHECK(evaluateUsbDevice(settings, other).decision == DeviceDecision::kPartial);

  settings.allow[0].access = DeviceAccess::kReadOnly;
  verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.interfaces[0].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[0].reason.find("grants read_only, which cannot be enforced for mtp") != std::string::npos);
}

TEST_CASE("fail closed: an unreadable string on a vendor-specific interface is refused under phones block") {
  auto settings = vendorSpecificAllowed();
  UsbDeviceFacts hostile{0x1234, 0x0001, "", 0, {usb::kVendorSpecific, usb::kHid}};
  UsbInterfaceFacts hidden = usbInterface(usb::kVendorSpecific, 0xFF);
  hidden.labelUnreadable = true;
  hostile.interfaces = {hidden, usbInterface(usb::kHid, 0x01, 0x01)};
  auto verdict = evaluateUsbDevice(settings, hostile);
  CHECK(verdict.interfaces[0].action == DeviceAction::kBlock);
  CHECK(verdict.interfaces[0].recognition.protocol == TransferProtocol::kUnidentified);
  CHECK(verdict.interfaces[0].reason == "phones is block (unidentified by unreadable_interface_string)");
  CHECK(verdict.interfaces[1].action == DeviceAction::kAllow);  // its keyboard keeps working

  // phones allow: an interface that only might be MTP is decided by its class.
  settings.phones = ChannelAction::kAllow;
  verdict = evaluateUsbDevice(settings, hostile);
  CHECK(verdict.interfaces[0].action == DeviceAction::kAllow);
  CHECK(verdict.interfaces[0].reason == "class_actions.vendor_specific is allow");
  CHECK(verdict.interfaces[0].recognition.protocol == TransferProtocol::kNone);
}

TEST_CASE("mode audit and off still win over the phones channel") {
  auto settings = vendorSpecificAllowed();
  settings.mode = Mode::kAudit;
  auto verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK(verdict.audit);
  CHECK(verdict.reason == "audit mode, would partial: interface 0: phones is block (mtp by interface_string)");
  settings.mode = Mode::kOff;
  verdict = evaluateUsbDevice(settings, androidPhone());
  CHECK(verdict.decision == DeviceDecision::kAllow);
  CHECK_FALSE(verdict.audit);
}

TEST_CASE("device_control.phones is parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "device_control": {"phones": "audit"}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  CHECK(result.policy->deviceControl.phones == ChannelAction::kAudit);

  result =
      parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {"phones": "read_only"}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/phones", R"(expected one of "block", "allow", "audit", found "read_only")"));
  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {"phones": true}})");
  CHECK(hasError(result, "/device_control/phones", "expected one of"));
  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {"phone": "block"}})");
  REQUIRE_FALSE(result.ok());
  CHECK(result.describe().find("/device_control/phone") != std::string::npos);
}
