#pragma once
// Thunderbolt 3 / USB4 devices: decided when the kernel adds them, by writing their `authorized`
// (the kernel's own gate: until then no PCIe tunnel exists, so an NVMe enclosure's drive never
// appears on the PCI bus). At security level `user` an allowed device gets 1; at `secure` it gets a
// key (kept per device UUID in keyDir) and 1 the first time, the same key and 2 (challenge) after.
// Blocked devices stay unauthorized. Devices authorized when the agent first applies a policy are
// left alone unless thunderbolt_keep_authorized is false (then blocked ones are deauthorized where
// the domain supports it). At `none`, `dponly`, `usbonly` and `nopcie` there is nothing to write:
// the decision is reported (docs/decisions/0038). The verdict is policy::evaluateThunderboltDevice.

#include <Poco/JSON/Object.h>

#include <functional>
#include <set>
#include <string>

#include "agent/device/ChannelControl.h"
#include "drivers/include/ThunderboltBus.h"
#include "drivers/include/Uevent.h"
#include "policy/ThunderboltEvaluator.h"

namespace mamori::agent::device {

class ThunderboltControl final : public ChannelControl<drivers::ThunderboltBus, drivers::ThunderboltDevice> {
 public:
  // keyDir: where keys for security level secure are kept (<state>/thunderbolt-keys, 0700); "" = none
  // (secure-level devices then cannot be approved and are reported with an error). randomKey gives
  // 64 hex digits (the agent's CSPRNG; fixed in tests).
  ThunderboltControl(drivers::ThunderboltBus& bus, EventSink& sink, std::string keyDir,
                     std::function<std::string()> randomKey);

  // The first call records the devices authorized now; every call decides every device again.
  void apply(const policy::DeviceControlSettings& settings) override;
  // thunderbolt add of a device router -> decide; remove -> forget.
  void handleUevent(const drivers::Uevent& event) override;

 private:
  // The fields of every Thunderbolt event (docs/events.md, "Thunderbolt").
  Poco::JSON::Object::Ptr describe(const drivers::ThunderboltDevice& device) const override;
  // By its UUID (Thunderbolt vendor and device id in the challenge).
  ChannelDevice identify(const drivers::ThunderboltDevice& device) const override;
  std::optional<ChannelVerdict> judge(const drivers::ThunderboltDevice& device, bool atStart) override;
  drivers::ThunderboltDevice enforce(const drivers::ThunderboltDevice& device, const ChannelVerdict& verdict,
                                     Poco::JSON::Object& fields) override;
  common::Status approve(const drivers::ThunderboltDevice& device);

  std::string keyDir_;
  std::function<std::string()> randomKey_;
  std::set<std::string> authorizedAtStart_;  // kernel names
  bool enforceable_ = false;                 // the last verdict's: whether it can be carried out
};

}  // namespace mamori::agent::device
