#pragma once
// Storage controllers hot-plugged on the PCI bus (NVMe drives in PCIe or Thunderbolt slots, ExpressCard
// SATA controllers): decided when the kernel adds them. PCI binds a hot-plugged device at once,
// whatever drivers_autoprobe says, so a blocked device gets a driver_override naming no driver
// (kBlockedOverride: nothing binds it again, across agent restarts) and is unbound if its driver
// got there first (docs/decisions/0033). Its driver usually is first, and makes a disk before the
// agent has decided; so while the policy blocks pcie_storage, the agent's device gate refuses every
// open of an NVMe node (block major blkext, char nvme and nvme-generic) unless its number has an
// allow rule: the nodes present when the gate is set (the system disk, its partitions, swap, LVM),
// and those of drives the policy or an exception allows, as they appear. A blocked drive's disk may
// exist for a moment, but nothing can open or mount it (docs/decisions/0046). A disk allowed after it
// appeared gets a partition re-read, since the kernel's own partition scan was refused too, and every
// node allowed after it appeared a "change" uevent, since udev's first probe may have been refused.
// Devices present when the agent first applies a policy (the system disk) and devices outside a
// hot-plug slot are never touched. The decision is policy::evaluatePciDevice.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/device/ChannelControl.h"
#include "agent/device/RefusedOpens.h"
#include "drivers/include/DeviceAccessGate.h"
#include "drivers/include/PciBus.h"
#include "drivers/include/StorageNodes.h"
#include "drivers/include/Uevent.h"
#include "policy/PciEvaluator.h"

namespace mamori::agent::device {

// The driver_override of a blocked device: no driver has this name.
inline constexpr const char* kBlockedOverride = "mamori-blocked";

class PciStorageControl final : public ChannelControl<drivers::PciBus, drivers::PciDevice> {
 public:
  // gate: the agent's one device gate, shared with the optical channel; nodes: the storage nodes on
  // the gated majors. Both must outlive the control.
  PciStorageControl(drivers::PciBus& bus, drivers::StorageNodes& nodes, drivers::DeviceAccessGate& gate,
                    EventSink& sink);

  // The first call records the devices present (never touched); every call decides again the
  // devices this agent blocked earlier (kBlockedOverride), so a policy that now allows them frees them;
  // then the gate's rules follow the policy (set while pcie_storage blocks, lifted otherwise).
  void apply(const policy::DeviceControlSettings& settings) override;
  // pci add -> decide; pci bind of a blocked device -> unbind; pci remove -> forget; a node on the
  // gated majors added -> allowed when its drive is; removed -> its rule goes (numbers are reused).
  void handleUevent(const drivers::Uevent& event) override;
  // Devices added meanwhile are decided, and the gate's rules rebuilt from the nodes present now,
  // before anything new is allowed.
  void uneventsLost() override;
  // Whether the gate refused this open on one of this channel's majors (logged, and reported as
  // device.open_refused, rate-limited); false: not ours. nowMs: the monotonic clock.
  bool refusedOpen(const drivers::RefusedOpen& open, std::int64_t nowMs);
  // Whether any of these PCI functions is a hot-plugged storage controller this channel allowed (its
  // disks are then allowed by HotplugDiskControl too).
  bool allowedHotPlugged(const std::vector<std::string>& functions) const;

 private:
  // The fields of every PCI storage event (docs/events.md, "PCIe storage").
  Poco::JSON::Object::Ptr describe(const drivers::PciDevice& device) const override;
  // By PCI vendor and device id and its Device Serial Number.
  ChannelDevice identify(const drivers::PciDevice& device) const override;
  std::optional<ChannelVerdict> judge(const drivers::PciDevice& device, bool atStart) override;
  drivers::PciDevice enforce(const drivers::PciDevice& device, const ChannelVerdict& verdict,
                             Poco::JSON::Object& fields) override;

  // The gate: set while the policy blocks pcie_storage in enforce, lifted otherwise.
  void followPolicy();
  // The majors' deny rules, each after the allow rules of its nodes present now.
  void gateMajors();
  void liftGate();
  // Allow rules for the nodes present now that may be opened, none for the others; reread: re-read
  // the partitions of disks newly allowed (their scan was refused while the gate was set) and announce
  // newly allowed nodes to udev again.
  void rebuild(bool reread);
  bool onGatedMajor(const drivers::DeviceNumber& number) const;
  // Whether the node may be opened: atStart (the gate being set for the first time) every node but a
  // blocked drive's; later only nodes whose every PCI function is allowed (decided now if unseen).
  bool mayOpen(const drivers::StorageNode& node, bool atStart);
  bool functionAllowed(const std::string& function);
  void allow(const drivers::StorageNode& node, bool reread);
  void revoke(const drivers::DeviceNumber& number);
  // A drive decided: its nodes present now get allow rules (and a partition re-read) or lose them.
  void gateFunction(const std::string& function, bool allowed);
  void gateFailed(const std::string& what);

  drivers::StorageNodes& nodes_;
  drivers::DeviceAccessGate& gate_;
  std::set<std::string> atStart_;
  std::set<std::string> decided_;  // functions judged since they appeared (any verdict)
  std::set<std::string> blocked_;
  bool gated_ = false;                         // the majors' deny rules are set
  bool gateUnavailable_ = false;               // the gate could not start: said once
  std::vector<drivers::DeviceNumber> majors_;  // gated majors (minor kAnyMinor)
  struct Allowed {
    std::string name;
    std::vector<std::string> functions;
  };
  std::map<drivers::DeviceNumber, Allowed> allowed_;  // numbers with an allow rule of ours
  RefusedOpens refusals_;
};

}  // namespace mamori::agent::device
