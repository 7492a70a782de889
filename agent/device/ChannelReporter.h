#pragma once
// The events of one device channel beside USB, the same for every channel: device.connected, then
// one decision event (device.audit, device.blocked, device.read_only or device.allowed) with the
// verdict's fields, and device.error when carrying a decision out failed (also logged, under the
// channel's name: "card readers: mmc0:aaaa: ..."). With temporary exceptions on, a grant in force
// turns a refusal into allow (device.exception_used once), and a device refused (blocked, or
// read-only: an optical drive that may not burn) gets a challenge and the command to ask for it.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "agent/core/EventSink.h"
#include "agent/device/ChannelExceptions.h"
#include "agent/device/ChannelVerdict.h"

namespace mamori::agent::device {

// A device as the exception path knows it.
struct ChannelDevice {
  DeviceIdentity identity;
  std::string id;    // what `mamori-agent request --device` takes: its kernel name or SCSI address
  std::string name;  // readable, for `request --list`: "Samsung NVMe (144d:a80a)"
};

class ChannelReporter {
 public:
  // who: the channel as the log names it ("pcie storage").
  ChannelReporter(EventSink& sink, std::string who) : sink_(sink), who_(std::move(who)) {}

  void setExceptions(ChannelExceptions* exceptions) { exceptions_ = exceptions; }

  // In enforce mode, the grant in force for a device the verdict refuses; the verdict then allows it.
  std::optional<ExceptionGrantInForce> excepted(const DeviceIdentity& device, ChannelVerdict& verdict,
                                                policy::Mode mode) const;
  // details: the device's fields (a fresh object: it is handed on).
  void connected(Poco::JSON::Object::Ptr details, bool atStart);
  // The verdict's fields added to details, reported by what was enforced (or audited). With device
  // (exceptions on): the challenge of a refusal, or the grant it was allowed under. Returns the
  // challenge offered, "" for none.
  std::string decided(Poco::JSON::Object::Ptr details, const ChannelVerdict& verdict, policy::Mode mode,
                      const ChannelDevice* device = nullptr, const std::optional<ExceptionGrantInForce>& grant = {});
  // device: its kernel name or address for the log; "" when the failure concerns no device.
  void failed(Poco::JSON::Object::Ptr details, const std::string& device, const std::string& what);
  // The device went: no longer listed as refused.
  void forget(const std::string& id);

  const std::string& who() const { return who_; }
  // Where the channel's other events go (device.open_refused).
  EventSink& sink() const { return sink_; }

 private:
  std::string offerFor(Poco::JSON::Object& details, const ChannelDevice& device);

  EventSink& sink_;
  std::string who_;
  ChannelExceptions* exceptions_ = nullptr;
};

// The command an employee runs to ask for a refused device (docs/admin.md "Exception requests").
std::string requestCommand(const std::string& id);

}  // namespace mamori::agent::device
