#include "agent/device/PciStorageControl.h"

#include <array>
#include <cstdio>

#include "agent/device/DeviceEvents.h"
#include "agent/report/EventFactory.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::PciDecision;

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}
}  // namespace

Poco::JSON::Object::Ptr pciDetails(const drivers::PciDevice& device) {
  auto details = makeDetails();
  details->set("device.bus", std::string("pci"));
  details->set("device.channel", std::string("pcie_storage"));
  details->set("pci.vendor_id", hexDigits(device.vendorId, 4));
  details->set("pci.device_id", hexDigits(device.deviceId, 4));
  details->set("pci.subsystem_vendor_id", hexDigits(device.subsystemVendorId, 4));
  details->set("pci.subsystem_device_id", hexDigits(device.subsystemDeviceId, 4));
  details->set("pci.class", hexDigits(device.classCode, 6));
  details->set("pci.serial", device.serial);
  details->set("pci.slot", device.slot);
  details->set("pci.removable", device.removable);
  details->set("pci.port", device.devpath);
  details->set("pci.kernel_name", device.name);
  return details;
}

PciStorageControl::PciStorageControl(drivers::PciBus& bus, EventSink& sink) : bus_(bus), sink_(sink) {}

void PciStorageControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  if (!bus_.present()) return;
  auto names = bus_.deviceNames();
  if (!names) {
    common::log::error("pcie storage: " + names.error().describe());
    return;
  }
  if (!applied_) atStart_.insert(names.value().begin(), names.value().end());
  applied_ = true;
  for (const auto& name : names.value()) {
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
  }
}

void PciStorageControl::decide(const std::string& name, bool again) {
  if (atStart_.count(name) != 0 && !again) return;
  auto found = bus_.device(name);
  if (!found) {
    common::log::warning("pcie storage: " + found.error().describe());  // removed before we looked
    return;
  }
  const drivers::PciDevice& device = found.value();
  // In a hot-plug slot or behind a port the firmware calls external; a device that turned up by a
  // rescan of a built-in bus is not ours to judge.
  const bool hotPlugged = !device.slot.empty() || device.removable;
  const policy::PciVerdict verdict = policy::evaluatePciDevice(
      settings_, {device.vendorId, device.deviceId, device.classCode, device.serial, device.slot, hotPlugged});
  const bool ours = device.driverOverride == kBlockedOverride;
  if (!verdict.controlled && !ours) return;
  std::vector<std::string> exposed;
  if (verdict.decision == PciDecision::kBlock) {
    blocked_.insert(name);
    // The override first: from now on no driver binds it, whatever rescans or module loads follow.
    if (!ours) {
      if (auto done = bus_.setDriverOverride(name, kBlockedOverride); !done) failed(device, done.error().describe());
    }
    auto now = bus_.device(name);
    if (now && !now.value().driver.empty()) {
      auto blocks = bus_.blockDevicesUnder(device.devpath);
      if (blocks) exposed = blocks.value();
      if (auto done = bus_.unbind(name); !done) failed(device, done.error().describe());
    }
  } else {
    blocked_.erase(name);
    if (ours) {  // blocked by an earlier policy or run: let its driver have it now
      if (auto done = bus_.setDriverOverride(name, ""); !done) failed(device, done.error().describe());
      if (auto done = bus_.probe(name); !done) failed(device, done.error().describe());
    }
  }
  auto connected = pciDetails(device);
  connected->set("device.attached_at_start", again);
  sink_.report("device.connected", common::Severity::Info, connected);
  auto details = pciDetails(device);
  details->set("device.decision", std::string(policy::pciDecisionName(verdict.decided)));
  details->set("device.enforced", std::string(policy::pciDecisionName(verdict.decision)));
  details->set("device.reason", verdict.reason);
  details->set("device.allow_entry", static_cast<std::int64_t>(verdict.allowEntry));
  details->set("policy.mode", std::string(policy::modeName(settings_.mode)));
  if (!exposed.empty()) details->set("device.block_devices_removed", joined(exposed));
  if (verdict.audit) {
    sink_.report("device.audit", common::Severity::Low, details);
  } else if (verdict.decision == PciDecision::kBlock) {
    sink_.report("device.blocked", common::Severity::Medium, details);
  } else {
    sink_.report("device.allowed", common::Severity::Info, details);
  }
}

void PciStorageControl::failed(const drivers::PciDevice& device, const std::string& what) {
  common::log::error("pcie storage: " + device.name + ": " + what);
  auto details = pciDetails(device);
  details->set("error.message", what);
  sink_.report("device.error", common::Severity::High, details);
}

}  // namespace mamori::agent::device
