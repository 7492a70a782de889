#pragma once
// The skeleton of a device channel beside USB whose devices sit on one bus under their kernel names
// (card readers on mmc, PCIe storage, Thunderbolt): look the device up, ask the policy, carry the
// verdict out, report device.connected and the decision with the bus's fields. A channel derives
// from ChannelControl<Bus, Device> and fills in four hooks:
//   describe(device)         the event fields of a device on its bus (docs/events.md);
//   identify(device)         the device as temporary exceptions name it (its bus's identifiers);
//   judge(device, atStart)   the verdict, or nullopt when the device is not the channel's to decide;
//   enforce(device, verdict) carries it out (failures through failed()) and returns the device as the
//                            bus shows it afterwards, adding what it did to the decision's fields.
// Optical drives are listed, not named on a bus: OpticalControl uses ChannelReporter alone.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/core/EventSink.h"
#include "agent/device/ChannelReporter.h"
#include "agent/device/ChannelVerdict.h"
#include "agent/device/DeviceChannel.h"
#include "common/Log.h"
#include "policy/DeviceControlSettings.h"

namespace mamori::agent::device {

template <typename Bus, typename Device>
class ChannelControl : public DeviceChannel {
 public:
  // who: the channel as the log names it ("pcie storage").
  ChannelControl(Bus& bus, EventSink& sink, std::string who) : bus_(bus), reporter_(sink, std::move(who)) {}
  ~ChannelControl() override = default;
  ChannelControl(const ChannelControl&) = delete;
  ChannelControl& operator=(const ChannelControl&) = delete;

  void setExceptions(ChannelExceptions* exceptions) override { reporter_.setExceptions(exceptions); }

  void decideAgain(const DeviceIdentity& identity) override {
    if (!applied_) return;
    const auto names = presentNames();
    for (const auto& name : names ? *names : std::vector<std::string>{}) {
      const auto device = lookUp(name);
      if (device && identify(*device).identity == identity) decide(name, false);
    }
  }

 protected:
  virtual Poco::JSON::Object::Ptr describe(const Device& device) const = 0;
  virtual ChannelDevice identify(const Device& device) const = 0;
  virtual std::optional<ChannelVerdict> judge(const Device& device, bool atStart) = 0;
  virtual Device enforce(const Device& device, const ChannelVerdict& verdict, Poco::JSON::Object& fields) = 0;

  // The kernel names of the devices on the bus now; nullopt (logged) when they cannot be listed.
  std::optional<std::vector<std::string>> presentNames() {
    auto names = [this] {
      if constexpr (requires(const Bus& bus) { bus.cardNames(); })
        return bus_.cardNames();  // MmcBus
      else
        return bus_.deviceNames();
    }();
    if (!names) {
      common::log::error(reporter_.who() + ": " + names.error().describe());
      return std::nullopt;
    }
    return std::move(names).value();
  }

  // The device as the bus shows it now; nullopt (logged) when it went before we looked.
  std::optional<Device> lookUp(const std::string& name) {
    auto found = [&] {
      if constexpr (requires(const Bus& bus) { bus.card(name); })
        return bus_.card(name);  // MmcBus
      else
        return bus_.device(name);
    }();
    if (!found) {
      common::log::warning(reporter_.who() + ": " + found.error().describe());
      return std::nullopt;
    }
    return std::move(found).value();
  }

  void decide(const std::string& name, bool atStart) {
    const auto device = lookUp(name);
    if (!device) return;
    auto verdict = judge(*device, atStart);
    if (!verdict) return;
    const ChannelDevice identity = identify(*device);
    const auto grant =
        verdict->reported ? reporter_.excepted(identity.identity, *verdict, settings_.mode) : std::nullopt;
    Poco::JSON::Object fields;
    const Device shown = enforce(*device, *verdict, fields);
    if (!verdict->reported) return;
    reporter_.connected(describe(shown), atStart);
    auto details = describe(shown);
    for (const auto& [key, value] : fields) details->set(key, value);
    reporter_.decided(details, *verdict, settings_.mode, &identity, grant);
  }

  void failed(const Device& device, const std::string& what) { reporter_.failed(describe(device), device.name, what); }

  Bus& bus_;
  ChannelReporter reporter_;
  policy::DeviceControlSettings settings_;
  bool applied_ = false;
};

}  // namespace mamori::agent::device
