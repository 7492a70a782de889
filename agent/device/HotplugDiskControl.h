#pragma once
// SCSI disks (sd) that appear on a non-USB transport while the agent runs: a disk on an eSATA port or
// hot-plugged into a built-in SATA/AHCI controller, the disks of a hot-plugged SAS/SCSI HBA. Their
// numbers share the sd majors (8, 65-71, 128-135) with USB disks and the system disk, and a SATA
// hot-plug needs no new PCI device, so neither USB authorization nor PCIe storage's driver_override
// sees them. While pcie_storage blocks in enforce, the agent's device gate refuses every open of the
// sd majors and of the SCSI passthrough nodes (char sg and bsg) unless the number has an allow rule
// (docs/decisions/0055): the nodes present when the gate is set (the system disk, its partitions, swap,
// LVM, every SCSI device's sg node), the nodes of a disk below USB (the USB channel decided the stick
// before the kernel made its disk), of a disk below a hot-plugged PCI controller PCIe storage allowed,
// of SCSI devices that hold no storage (enclosures, processors), and of disks pcie_storage or
// disk_allow allows, decided when their first node appears (device.connected and the decision, bus
// "scsi"). An allowed disk's whole minor range (the disk and its 15 partitions) gets its rules at once,
// so a partition made later is never refused; a disk allowed after it appeared gets a partition
// re-read and a "change" uevent (the kernel's scan and udev's probe were refused). Optical drives'
// sg and bsg nodes are never touched (the optical channel's). Refused opens are device.open_refused.

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/core/EventSink.h"
#include "agent/device/ChannelReporter.h"
#include "agent/device/DeviceChannel.h"
#include "agent/device/RefusedOpens.h"
#include "drivers/include/DeviceAccessGate.h"
#include "drivers/include/StorageNodes.h"
#include "policy/DeviceControlSettings.h"

namespace mamori::agent::device {

class HotplugDiskControl final : public DeviceChannel {
 public:
  // pciAllowed: whether PCIe storage allowed a hot-plugged controller among these PCI functions (its
  // disks are that channel's decision). gate and nodes must outlive the control.
  using PciAllowed = std::function<bool(const std::vector<std::string>& functions)>;
  HotplugDiskControl(drivers::StorageNodes& nodes, drivers::DeviceAccessGate& gate, EventSink& sink,
                     PciAllowed pciAllowed);

  void apply(const policy::DeviceControlSettings& settings) override;
  void handleUevent(const drivers::Uevent& event) override;
  void setExceptions(ChannelExceptions* exceptions) override { reporter_.setExceptions(exceptions); }
  // A grant for this disk came or ended: it is decided again (its rules given or taken).
  void decideAgain(const DeviceIdentity& device) override;
  void uneventsLost() override;
  // The disks of sticks the USB channel blocked at start are gone: their numbers' rules go now, not
  // when their remove uevents are read (a disk plugged meanwhile could take the number).
  void usbDecided() override;
  // Reports a refusal on this channel's numbers (device.open_refused; false: not ours). now: ms.
  bool refusedOpen(const drivers::RefusedOpen& open, std::int64_t nowMs);

 private:
  void gateMajors();
  void liftGate();
  // Allow rules for present nodes that may be opened, none for the others; reread as in allow().
  void rebuild(bool reread);
  bool onGatedMajor(const drivers::DeviceNumber& number) const;
  // Whether the node is the optical channel's (a CD/DVD drive's sg or bsg node): never touched.
  static bool optical(const drivers::StorageNode& node);
  bool mayOpen(const drivers::StorageNode& node);
  // Decides a new SCSI device from this node's facts, reports it; true when allowed.
  bool decide(const drivers::StorageNode& node);
  // Its allow rule (and for an sd disk its 15 partition minors); reread: it appeared while refused,
  // so a disk's partitions are read again and udev is told to look again.
  // false (reported): the gate refused the rule.
  bool allow(const drivers::StorageNode& node, bool reread);
  void revoke(const drivers::DeviceNumber& number);
  Poco::JSON::Object::Ptr describe(const drivers::StorageNode& node) const;
  // The disk as temporary exceptions know it: vendor, model and unit serial; asked for by its address.
  static ChannelDevice identify(const drivers::StorageNode& node);
  void gateFailed(const std::string& what);

  drivers::StorageNodes& nodes_;
  drivers::DeviceAccessGate& gate_;
  EventSink& sink_;
  ChannelReporter reporter_;
  PciAllowed pciAllowed_;
  policy::DeviceControlSettings settings_;
  bool applied_ = false;
  bool gated_ = false;
  bool gateUnavailable_ = false;
  std::vector<drivers::DeviceNumber> majors_;     // gated majors (minor kAnyMinor)
  std::set<std::string> atStart_;                 // SCSI devices present when the gate was set
  std::map<std::string, bool> decided_;           // SCSI device devpath -> allowed
  std::map<std::string, ChannelDevice> devices_;  // SCSI device devpath -> its identity, once decided
  // Numbers with an allow rule of ours -> the number of the node that brought it (a disk for its
  // partition minors, else itself).
  std::map<drivers::DeviceNumber, drivers::DeviceNumber> allowed_;
  RefusedOpens refusals_;
};

}  // namespace mamori::agent::device
