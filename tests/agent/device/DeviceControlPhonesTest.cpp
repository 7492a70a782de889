// DeviceControl and the phones channel over the recorded phones tree (tests/fixtures/sysfs/phones):
// MTP and PTP interfaces refused one by one, the rest of the phone kept; strings the device does not
// deliver fail closed.
#include <Poco/JSON/Stringifier.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "agent/device/DeviceControl.h"
#include "drivers/fake/FakeUsbBus.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/device/UsbFixture.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)

struct PhonesFixture : UsbFixture {
  PhonesFixture() : UsbFixture("phones") {}

  // The decision event (not device.connected) of one device: its type and its details as JSON.
  std::string decision(const std::string& serial) const {
    for (const auto& e : events) {
      if (e.text("usb.serial") != serial || e.type == "device.connected") continue;
      std::ostringstream json;
      Poco::JSON::Stringifier::stringify(e.details, json);
      return e.type + " " + json.str();
    }
    return "";
  }
};

mamori::policy::Policy policyFrom(const std::string& deviceControl) { return policyWithDeviceControl(deviceControl); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const char* kVendorSpecificAllowed = R"({"class_actions":{"vendor_specific":"allow"}})";

}  // namespace

TEST_CASE("phones block: the MTP interface stays unauthorized, ADB and the phone itself are kept") {
  mamori::agent::test::qtApp();
  PhonesFixture f;
  f.bus.setDeviceStrings("2-2", {{{4, "MTP"}}, mamori::drivers::UsbMsOsState::kAbsent, {}});
  REQUIRE(f.control.apply(policyFrom(kVendorSpecificAllowed)).ok());

  // Pixel (configured, strings from sysfs): interface 0 "MTP" refused, 1 "ADB Interface" allowed.
  CHECK(f.bus.at("1-1").authorized);
  CHECK_FALSE(f.bus.at("1-1").interfaces[0].authorized);
  CHECK(f.bus.at("1-1").interfaces[1].authorized);
  const std::string pixel = f.decision("2B111FDH2005LZ");
  CAPTURE(pixel);
  CHECK(contains(pixel, "device.blocked "));
  CHECK(contains(pixel, R"("device.decision":"partial")"));
  CHECK(contains(pixel, R"("device.channel":"phones")"));
  CHECK(contains(pixel, R"("device.protocols":["mtp"])"));
  CHECK(contains(pixel, R"j("reason":"phones is block (mtp by interface_string)","string":"MTP","protocol":"mtp")j"));
  CHECK(contains(pixel, R"("usb.vendor_id":"18d1")"));
  CHECK(contains(pixel, R"("device.exception_challenge")") == false);  // exceptions not enabled here

  // Unconfigured Xiaomi: the string read from the device says MTP; its HID interface is kept.
  CHECK(f.bus.at("2-2").authorized);
  CHECK_FALSE(f.bus.at("2-2").interfaces[0].authorized);
  CHECK(f.bus.at("2-2").interfaces[1].authorized);
  CHECK(contains(f.decision("x-77"), R"("string":"MTP")"));

  // The camera: PTP by class, its only interface: the device is never authorized.
  CHECK_FALSE(f.bus.at("2-1").authorized);
  CHECK(contains(f.decision("C0FFEE"), R"("device.protocols":["ptp"])"));
  CHECK(contains(f.decision("C0FFEE"), R"("device.decision":"block")"));
}

TEST_CASE("fail closed: a string the phone does not deliver refuses the vendor-specific interface") {
  mamori::agent::test::qtApp();
  PhonesFixture f;  // no strings for 2-2 and 1-2: every string read fails
  REQUIRE(f.control.apply(policyFrom(kVendorSpecificAllowed)).ok());
  CHECK_FALSE(f.bus.at("1-2").authorized);  // its only interface refused
  CHECK(contains(f.decision("R58M12ABCDE"), "phones is block (unidentified by unreadable_interface_string)"));
  CHECK(f.bus.at("2-2").authorized);
  CHECK_FALSE(f.bus.at("2-2").interfaces[0].authorized);
  CHECK(f.bus.at("2-2").interfaces[1].authorized);  // its keyboard interface still works
}

TEST_CASE("the Microsoft OS descriptor alone recognises MTP; an announced but unreadable one fails closed") {
  mamori::agent::test::qtApp();
  PhonesFixture f;
  // 2-2 delivers its string ("Mi Transfer", not MTP) but says MTP in its compat ID.
  f.bus.setDeviceStrings("2-2", {{{4, "Mi Transfer"}}, mamori::drivers::UsbMsOsState::kPresent, {{0, "MTP", ""}}});
  // 1-2 announced MS OS descriptors and then did not deliver them; its string is there and harmless.
  f.bus.setDeviceStrings("1-2", {{{4, "Vendor"}}, mamori::drivers::UsbMsOsState::kUnreadable, {}});
  REQUIRE(f.control.apply(policyFrom(kVendorSpecificAllowed)).ok());
  CHECK_FALSE(f.bus.at("2-2").interfaces[0].authorized);
  CHECK(contains(f.decision("x-77"), R"("recognised_by":["ms_os_descriptor"])"));
  CHECK_FALSE(f.bus.at("1-2").authorized);
  CHECK(contains(f.decision("R58M12ABCDE"), "unreadable_ms_os_descriptor"));
}

TEST_CASE("phones allow / audit, allow-list entries, and no extra reads for other devices") {
  mamori::agent::test::qtApp();
  {
    PhonesFixture f;
    REQUIRE(f.control.apply(policyFrom(R"({"class_actions":{"vendor_specific":"allow"},"phones":"allow"})")).ok());
    CHECK(f.bus.at("1-1").interfaces[0].authorized);
    CHECK(f.bus.at("2-1").authorized);
    CHECK(contains(f.decision("2B111FDH2005LZ"), "device.allowed "));
  }
  {
    PhonesFixture f;
    REQUIRE(f.control.apply(policyFrom(R"({"class_actions":{"vendor_specific":"allow"},"phones":"audit"})")).ok());
    CHECK(f.bus.at("1-1").interfaces[0].authorized);
    const std::string pixel = f.decision("2B111FDH2005LZ");
    CHECK(contains(pixel, "device.audit "));
    CHECK(contains(pixel, R"("class":"vendor_specific","action":"block","enforced":"allow")"));
  }
  {
    PhonesFixture f;
    REQUIRE(f.control
                .apply(policyFrom(R"({"class_actions":{"vendor_specific":"allow"},
                  "allow":[{"vendor_id":"18d1","product_id":"4ee2","serial":"2B111FDH2005LZ","comment":"company phone"}]})"))
                .ok());
    CHECK(f.bus.at("1-1").interfaces[0].authorized);
    CHECK(contains(f.decision("2B111FDH2005LZ"), "mtp allowed by allow entry 0"));
    CHECK_FALSE(f.bus.at("2-1").authorized);  // another phone's entry does not help the camera
  }
  {
    PhonesFixture f;
    REQUIRE(f.control.apply(policyFrom(R"({"mode":"off"})")).ok());
    CHECK(f.bus.detailReads() == 0);  // off: nothing is asked of any device
  }
  {
    // A root hub and a plain keyboard are never asked for strings: only 06 and ff interfaces are.
    PhonesFixture f;
    REQUIRE(f.control.apply(policyFrom(kVendorSpecificAllowed)).ok());
    CHECK(f.bus.detailReads() == 4);  // 1-1, 1-2, 2-1, 2-2
  }
}
