#include "agent/device/PciStorageControl.h"

#include "agent/device/DeviceEvents.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}
}  // namespace

Poco::JSON::Object::Ptr PciStorageControl::describe(const drivers::PciDevice& device) const {
  return busDetails("pci", "pcie_storage",
                    {{"pci.vendor_id", hexDigits(device.vendorId, 4)},
                     {"pci.device_id", hexDigits(device.deviceId, 4)},
                     {"pci.subsystem_vendor_id", hexDigits(device.subsystemVendorId, 4)},
                     {"pci.subsystem_device_id", hexDigits(device.subsystemDeviceId, 4)},
                     {"pci.class", hexDigits(device.classCode, 6)},
                     {"pci.serial", device.serial},
                     {"pci.slot", device.slot},
                     {"pci.removable", device.removable},
                     {"pci.port", device.devpath},
                     {"pci.kernel_name", device.name}});
}

ChannelDevice PciStorageControl::identify(const drivers::PciDevice& device) const {
  const std::string ids = hexDigits(device.vendorId, 4) + ":" + hexDigits(device.deviceId, 4);
  std::string name = "PCI storage device " + ids + (device.slot.empty() ? "" : " in slot " + device.slot);
  if (!device.serial.empty()) name += " (serial " + device.serial + ")";
  return {{device.vendorId, device.deviceId, device.serial, "pcie_storage"}, device.name, name};
}

PciStorageControl::PciStorageControl(drivers::PciBus& bus, EventSink& sink)
    : ChannelControl(bus, sink, "pcie storage") {}

void PciStorageControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  if (!bus_.present()) return;
  const auto names = presentNames();
  if (!names) return;
  if (!applied_) atStart_.insert(names->begin(), names->end());
  applied_ = true;
  for (const auto& name : *names) {
    auto found = bus_.device(name);
    // Only what an earlier run blocked is ours to decide again; the rest present now stays as it is.
    if (found && found.value().driverOverride == kBlockedOverride) decide(name, true);
  }
}

void PciStorageControl::handleUevent(const drivers::Uevent& event) {
  if (!applied_ || event.subsystem != "pci") return;
  const std::string name = event.kernelName();
  if (event.action == "add") {
    atStart_.erase(name);  // a new device at an address seen at start (another card in the same slot)
    decide(name, false);
  } else if (event.action == "bind" && blocked_.count(name) != 0) {
    // The driver bound before the override was written: take the device back before its disk appears.
    auto found = bus_.device(name);
    if (!found) return;
    common::log::warning("pcie storage: " + name + " bound by " + found.value().driver +
                         " before the decision took effect; unbinding");
    if (auto done = bus_.unbind(name); !done) failed(found.value(), done.error().describe());
  } else if (event.action == "remove") {
    atStart_.erase(name);
    blocked_.erase(name);
    reporter_.forget(name);
  }
}

std::optional<ChannelVerdict> PciStorageControl::judge(const drivers::PciDevice& device, bool /*atStart*/) {
  // Present at start and not held by us: never touched (also when a grant for its model ends).
  if (atStart_.count(device.name) != 0 && device.driverOverride != kBlockedOverride) return std::nullopt;
  // In a hot-plug slot or behind a port the firmware calls external; a device that turned up by a
  // rescan of a built-in bus is not ours to judge.
  const bool hotPlugged = !device.slot.empty() || device.removable;
  const policy::PciVerdict verdict = policy::evaluatePciDevice(
      settings_, {device.vendorId, device.deviceId, device.classCode, device.serial, device.slot, hotPlugged});
  if (!verdict.controlled && device.driverOverride != kBlockedOverride) return std::nullopt;
  return channelVerdict(verdict);
}

drivers::PciDevice PciStorageControl::enforce(const drivers::PciDevice& device, const ChannelVerdict& verdict,
                                              Poco::JSON::Object& fields) {
  const std::string& name = device.name;
  const bool ours = device.driverOverride == kBlockedOverride;
  if (verdict.decision != CardDecision::kBlock) {
    blocked_.erase(name);
    if (ours) {  // blocked by an earlier policy or run: let its driver have it now
      if (auto done = bus_.setDriverOverride(name, ""); !done) failed(device, done.error().describe());
      if (auto done = bus_.probe(name); !done) failed(device, done.error().describe());
    }
    return device;
  }
  blocked_.insert(name);
  // The override first: from now on no driver binds it, whatever rescans or module loads follow.
  if (!ours) {
    if (auto done = bus_.setDriverOverride(name, kBlockedOverride); !done) failed(device, done.error().describe());
  }
  auto now = bus_.device(name);
  if (now && !now.value().driver.empty()) {
    auto blocks = bus_.blockDevicesUnder(device.devpath);
    if (blocks && !blocks.value().empty()) fields.set("device.block_devices_removed", joined(blocks.value()));
    if (auto done = bus_.unbind(name); !done) failed(device, done.error().describe());
  }
  return device;
}

}  // namespace mamori::agent::device
