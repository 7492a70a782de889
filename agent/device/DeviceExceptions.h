#pragma once
// The agent's side of temporary device exceptions (policy/DeviceException.h): the challenges it has
// offered for blocked devices and the grants in force. No Qt, no OS: DeviceControl feeds it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"
#include "policy/DeviceException.h"

namespace mamori::agent::device {

// What a grant opens: one device by the identifiers its bus has. vendorId and productId go into the
// challenge (the administrator sees the model); serial names the unit where the bus has one.
//   usb           vendor and product id, serial (iSerial; "" = every unit of the model)
//   pcie_storage  PCI vendor and device id, serial (the Device Serial Number; "" when it has none)
//   thunderbolt   Thunderbolt vendor and device id, serial (the device's UUID)
//   card_readers  manfid and oemid of the card, serial (its CID)
//   optical       a short hash of vendor and model (no ids on SCSI), serial "<vendor>/<model>"
//   hotplug_disks a short hash of vendor and model, serial "<vendor>/<model>/<unit serial>" (VPD 0x80)
struct DeviceIdentity {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::string serial;
  std::string channel = "usb";
  bool operator==(const DeviceIdentity&) const = default;
};

// A device on a bus without numeric ids (SCSI: INQUIRY strings only): the two ids are taken from the
// SHA-256 of "<vendor>/<model>", so the challenge still tells models apart; serial is the identity's
// serial as the channel writes it.
DeviceIdentity hashedIdentity(const std::string& vendor, const std::string& model, std::string serial,
                              std::string channel);

// One line for logs and events: "pcie_storage 144d:a80a 0a-0b-0c-0d-0e-0f-10-11".
std::string describeIdentity(const DeviceIdentity& device);

// The details field that carries a device's id (what `mamori-agent request --device` takes) in the
// events of its channel (docs/events.md): "usb.kernel_name", "pci.kernel_name", "mmc.kernel_name",
// "thunderbolt.kernel_name", "optical.address", "scsi.address"; "device.id" for a channel this build does not know.
std::string deviceIdField(const std::string& channel);

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
  std::string offer(const DeviceIdentity& device, const std::string& agentId, std::uint32_t nonce);
  std::string offer(const drivers::UsbDevice& device, const std::string& agentId, std::uint32_t nonce);
  // Checks response against the open challenge it names; on success the challenge is used up and
  // the grant is in force until acceptedAtMs + minutes.
  common::Result<ExceptionGrantInForce> accept(const std::string& response, const common::PublicKey& key,
                                               std::int64_t acceptedAtMs);
  // The grant covering this device now, if any.
  std::optional<ExceptionGrantInForce> covering(const DeviceIdentity& device, std::int64_t nowMs) const;
  std::optional<ExceptionGrantInForce> covering(const drivers::UsbDevice& device, std::int64_t nowMs) const;
  // Marks the grant of this challenge used; true the first time (the caller reports it once).
  bool markUsed(const std::string& challenge);
  // Removes and returns the grants that ended by nowMs.
  std::vector<ExceptionGrantInForce> expire(std::int64_t nowMs);

  // What to remember across a restart (agent/device/ExceptionState), and taking it back at start:
  // offers beyond kMaxOffers are dropped (the oldest), a challenge offered twice is kept once.
  struct Remembered {
    std::vector<std::pair<std::string, DeviceIdentity>> offers;  // oldest first
    std::vector<ExceptionGrantInForce> grants;
  };
  Remembered remembered() const;
  void restore(const Remembered& state);

 private:
  std::map<std::string, DeviceIdentity> offers_;  // challenge -> device
  std::vector<std::string> offerOrder_;
  std::vector<ExceptionGrantInForce> grants_;
};

}  // namespace mamori::agent::device
