#pragma once
// What a device channel beside USB asks of temporary exceptions (docs/admin.md, "Temporary
// exceptions"). DeviceControl answers: it holds the offered challenges, the grants in force, the list
// `mamori-agent request --list` shows, and reads the response codes; a channel only asks whether a
// grant covers a device, offers a challenge for a device it refused, and says when one is no longer
// refused.

#include <optional>
#include <string>

#include "agent/device/DeviceExceptions.h"

namespace mamori::agent::device {

class ChannelExceptions {
 public:
  virtual ~ChannelExceptions() = default;

  // The grant in force for this device now, if any.
  virtual std::optional<ExceptionGrantInForce> covering(const DeviceIdentity& device) const = 0;
  // The challenge for a device the channel refused, listed for `mamori-agent request` under id (its
  // kernel name or address) as name; "" when exceptions are off.
  virtual std::string offer(const DeviceIdentity& device, const std::string& id, const std::string& name) = 0;
  // The device id is no longer refused (allowed, or gone): not listed any more.
  virtual void withdraw(const std::string& id) = 0;
  // A device was opened under the grant of this challenge: true the first time (reported once).
  virtual bool markUsed(const std::string& challenge) = 0;
};

}  // namespace mamori::agent::device
