#pragma once
// What every device control test starts from: a sink that records each event with its details, the
// questions tests ask of them (was this device blocked, how many read_only events, the last audit
// of that device), and the device_control section of a policy parsed from a JSON fragment. A test's
// fixture derives from it, naming the field that identifies a device on its bus ("mmc.kernel_name"),
// and builds its bus and control over `sink`.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "drivers/fake/FakeUsbBus.h"
#include "drivers/include/Uevent.h"
#include "policy/PolicyParser.h"
#include "tests/support/CallbackEventSink.h"

namespace mamori::agent::device::test {

struct RecordedEvent {
  std::string type;
  Poco::JSON::Object::Ptr details;
  // A string field of the details; "" when absent.
  std::string text(const std::string& key) const { return details->optValue<std::string>(key, ""); }
};

class ChannelFixture {
 public:
  // deviceKey: the details field that names the device in emitted(), count() and last().
  explicit ChannelFixture(std::string deviceKey) : deviceKey_(std::move(deviceKey)) {}

  // Events of this type about this device ("" = any device).
  int count(const std::string& type, const std::string& device = "") const {
    return static_cast<int>(
        std::count_if(events.begin(), events.end(), [&](const RecordedEvent& e) { return matches(e, type, device); }));
  }
  bool emitted(const std::string& type, const std::string& device) const { return count(type, device) > 0; }
  const RecordedEvent* last(const std::string& type, const std::string& device) const {
    const auto found =
        std::find_if(events.rbegin(), events.rend(), [&](const RecordedEvent& e) { return matches(e, type, device); });
    return found == events.rend() ? nullptr : &*found;
  }

  std::vector<RecordedEvent> events;
  testsupport::CallbackEventSink sink{[this](const std::string& type, common::Severity, Poco::JSON::Object::Ptr d) {
    events.push_back({type, std::move(d)});
  }};

 private:
  bool matches(const RecordedEvent& e, const std::string& type, const std::string& device) const {
    return e.type == type && (device.empty() || e.text(deviceKey_) == device);
  }

  std::string deviceKey_;
};

// A fixture over a fake bus read from a recorded sysfs tree (tests/fixtures/sysfs/<tree>), with the
// block devices the control makes read-only; the test's fixture adds its control.
template <typename FakeBus>
struct FakeBusFixture : ChannelFixture {
  FakeBusFixture(const std::string& tree, std::string deviceKey)
      : ChannelFixture(std::move(deviceKey)),
        bus(FakeBus::fromSysfsTree(std::string(MAMORI_SYSFS_FIXTURES) + "/" + tree)) {}

  // Whether the control wrote this to the bus ("unbind mmc0:aaaa").
  bool wrote(const std::string& write) const {
    return std::find(bus.writes().begin(), bus.writes().end(), write) != bus.writes().end();
  }

  FakeBus bus;
  drivers::fake::FakeBlockDevices blocks;
};

// A kernel uevent as the netlink socket delivers it (the fields the agent reads).
inline drivers::Uevent uevent(const std::string& action, const std::string& subsystem, const std::string& devpath,
                              const std::string& devtype = "") {
  drivers::Uevent event;
  event.action = action;
  event.subsystem = subsystem;
  event.devtype = devtype;
  event.devpath = devpath;
  return event;
}

// A policy whose device_control section is this JSON object ("{}": the defaults).
inline policy::Policy policyWithDeviceControl(const std::string& deviceControl) {
  auto parsed =
      policy::parsePolicy(R"({"schema_version":1,"version":2,"name":"t","device_control":)" + deviceControl + "}");
  if (!parsed.ok()) FAIL(parsed.describe());
  return *parsed.policy;
}

inline policy::DeviceControlSettings settingsFrom(const std::string& deviceControl) {
  return policyWithDeviceControl(deviceControl).deviceControl;
}

}  // namespace mamori::agent::device::test
