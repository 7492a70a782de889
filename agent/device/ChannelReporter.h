#pragma once
// The events of one device channel beside USB, the same for every channel: device.connected, then
// one decision event (device.audit, device.blocked, device.read_only or device.allowed) with the
// verdict's fields, and device.error when carrying a decision out failed (also logged, under the
// channel's name: "card readers: mmc0:aaaa: ...").

#include <Poco/JSON/Object.h>

#include <string>

#include "agent/core/EventSink.h"
#include "agent/device/ChannelVerdict.h"

namespace mamori::agent::device {

class ChannelReporter {
 public:
  // who: the channel as the log names it ("pcie storage").
  ChannelReporter(EventSink& sink, std::string who) : sink_(sink), who_(std::move(who)) {}

  // details: the device's fields (a fresh object: it is handed on).
  void connected(Poco::JSON::Object::Ptr details, bool atStart);
  // The verdict's fields added to details, reported by what was enforced (or audited).
  void decided(Poco::JSON::Object::Ptr details, const ChannelVerdict& verdict, policy::Mode mode);
  // device: its kernel name or address for the log; "" when the failure concerns no device.
  void failed(Poco::JSON::Object::Ptr details, const std::string& device, const std::string& what);

  const std::string& who() const { return who_; }

 private:
  EventSink& sink_;
  std::string who_;
};

}  // namespace mamori::agent::device
