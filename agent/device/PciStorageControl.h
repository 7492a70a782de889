#pragma once
// Storage controllers hot-plugged on the PCI bus (NVMe drives in PCIe or Thunderbolt slots, ExpressCard
// SATA controllers): decided when the kernel adds them. PCI binds a hot-plugged device at once,
// whatever drivers_autoprobe says, so a blocked device gets a driver_override naming no driver
// (kBlockedOverride: nothing binds it again, across agent restarts) and is unbound if its driver
// got there first, before the driver's asynchronous start creates a disk (docs/decisions/0033).
// Devices present when the agent first applies a policy (the system disk) and devices outside a
// hot-plug slot are never touched. The decision is policy::evaluatePciDevice.

#include <Poco/JSON/Object.h>

#include <set>
#include <string>

#include "agent/device/ChannelControl.h"
#include "drivers/include/PciBus.h"
#include "drivers/include/Uevent.h"
#include "policy/PciEvaluator.h"

namespace mamori::agent::device {

// The driver_override of a blocked device: no driver has this name.
inline constexpr const char* kBlockedOverride = "mamori-blocked";

class PciStorageControl final : public ChannelControl<drivers::PciBus, drivers::PciDevice> {
 public:
  PciStorageControl(drivers::PciBus& bus, EventSink& sink);

  // The first call records the devices present (never touched); every call decides again the
  // devices this agent blocked earlier (kBlockedOverride), so a policy that now allows them frees them.
  void apply(const policy::DeviceControlSettings& settings) override;
  // pci add -> decide; pci bind of a blocked device -> unbind; pci remove -> forget.
  void handleUevent(const drivers::Uevent& event) override;

 private:
  // The fields of every PCI storage event (docs/events.md, "PCIe storage").
  Poco::JSON::Object::Ptr describe(const drivers::PciDevice& device) const override;
  // By PCI vendor and device id and its Device Serial Number.
  ChannelDevice identify(const drivers::PciDevice& device) const override;
  std::optional<ChannelVerdict> judge(const drivers::PciDevice& device, bool atStart) override;
  drivers::PciDevice enforce(const drivers::PciDevice& device, const ChannelVerdict& verdict,
                             Poco::JSON::Object& fields) override;

  std::set<std::string> atStart_;
  std::set<std::string> blocked_;
};

}  // namespace mamori::agent::device
