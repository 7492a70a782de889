#pragma once
// The agent's side of temporary device exceptions (policy/DeviceException.h): the challenges it has
// offered for blocked devices and the grants in force. No Qt, no OS: DeviceControl feeds it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"
#include "policy/DeviceException.h"

namespace mamori::agent::device {

struct DeviceIdentity {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::string serial;
  bool operator==(const DeviceIdentity&) const = default;
};

struct ExceptionGrantInForce {
  DeviceIdentity device;
  std::string challenge;
  std::int64_t expiresAtMs = 0;
  bool used = false;  // a device was opened under it (device.exception_used was reported)
};

class DeviceExceptions {
 public:
  // At most this many open challenges; the oldest is forgotten first.
  static constexpr std::size_t kMaxOffers = 64;

  // The challenge for this device (the same one again while it is open).
  std::string offer(const drivers::UsbDevice& device, const std::string& agentId, std::uint32_t nonce);
  // Checks response against the open challenge it names; on success the challenge is used up and
  // the grant is in force until acceptedAtMs + minutes.
  common::Result<ExceptionGrantInForce> accept(const std::string& response, const common::PublicKey& key,
                                               std::int64_t acceptedAtMs);
  // The grant covering this device now, if any.
  std::optional<ExceptionGrantInForce> covering(const drivers::UsbDevice& device, std::int64_t nowMs) const;
  // Marks the grant of this challenge used; true the first time (the caller reports it once).
  bool markUsed(const std::string& challenge);
  // Removes and returns the grants that ended by nowMs.
  std::vector<ExceptionGrantInForce> expire(std::int64_t nowMs);

 private:
  std::map<std::string, DeviceIdentity> offers_;  // challenge -> device
  std::vector<std::string> offerOrder_;
  std::vector<ExceptionGrantInForce> grants_;
};

}  // namespace mamori::agent::device
