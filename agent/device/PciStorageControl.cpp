#include "agent/device/PciStorageControl.h"

#include <algorithm>

#include "agent/device/DeviceEvents.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

namespace {

// BLOCK_EXT_MAJOR, fixed in the kernel; /proc/devices names it "blkext".
constexpr std::uint32_t kBlkextMajor = 259;

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

PciStorageControl::PciStorageControl(drivers::PciBus& bus, drivers::StorageNodes& nodes,
                                     drivers::DeviceAccessGate& gate, EventSink& sink)
    : ChannelControl(bus, sink, "pcie storage"), nodes_(nodes), gate_(gate) {}

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
  followPolicy();
}

void PciStorageControl::handleUevent(const drivers::Uevent& event) {
  if (!applied_) return;
  if (event.subsystem == "pci") {
    const std::string name = event.kernelName();
    if (event.action == "add") {
      if (gated_) gateMajors();  // the nvme module loaded since: its char majors too
      atStart_.erase(name);      // a new device at an address seen at start (another card in the same slot)
      if (decided_.count(name) == 0) decide(name, false);  // not already decided for a node of it
    } else if (event.action == "bind" && blocked_.count(name) != 0) {
      // The driver bound before the override was written: take the device back before its disk appears.
      auto found = bus_.device(name);
      if (!found) return;
      // The bind uevent of a driver that won the race is often handled after the decision already
      // unbound the device (the uevent waited in the queue behind the add): nothing left to take back.
      if (found.value().driver.empty()) {
        common::log::debug("pcie storage: " + name + " was bound before the decision; already unbound");
        return;
      }
      common::log::warning("pcie storage: " + name + " bound by " + found.value().driver +
                           " before the decision took effect; unbinding");
      if (auto done = bus_.unbind(name); !done) failed(found.value(), done.error().describe());
    } else if (event.action == "remove") {
      atStart_.erase(name);
      decided_.erase(name);
      blocked_.erase(name);
      reporter_.forget(name);
    }
    return;
  }
  if (!gated_) return;
  const auto number = ueventNumber(event);
  if (!number || !onGatedMajor(*number)) return;
  if (event.action == "remove") {
    revoke(*number);  // the number goes to the next node, perhaps a blocked drive's
  } else if (event.action == "add") {
    auto node = nodes_.node(*number);
    if (!node) return;  // gone already
    // A disk new since the gate was set had its partition scan refused: re-read once allowed.
    if (mayOpen(node.value(), false)) allow(node.value(), true);
  }
}

void PciStorageControl::uneventsLost() {
  if (!applied_ || !bus_.present()) return;
  const auto names = presentNames();
  if (!names) return;
  const std::set<std::string> present(names->begin(), names->end());
  for (auto* known : {&atStart_, &decided_, &blocked_}) {
    std::erase_if(*known, [&](const std::string& name) { return present.count(name) == 0; });
  }
  // Whatever was added meanwhile, or replaced at the same address, is decided (again).
  for (const auto& name : *names) {
    if (atStart_.count(name) == 0) decide(name, false);
  }
  if (gated_) {
    gateMajors();
    rebuild(true);
  }
}

bool PciStorageControl::refusedOpen(const drivers::RefusedOpen& open, std::int64_t nowMs) {
  if (!onGatedMajor(open.device)) return false;
  auto node = nodes_.node(open.device);
  const std::string name = node ? "/dev/" + node.value().name : std::string();
  logRefusedOpen("pcie storage", open, name);
  // Refused before the agent allowed the node (an allowed drive's nodes in the moment before their
  // uevents were read): logged only, since the node opens now.
  if (allowed_.count(open.device) != 0) return true;
  if (!refusals_.admit(open, nowMs)) return true;
  Poco::JSON::Object::Ptr details = busDetails("pci", "pcie_storage", {});
  if (node) {
    // The drive it belongs to, as the decision named it (when the drive is still there).
    const auto& functions = node.value().pciFunctions;
    if (!functions.empty()) {
      if (auto device = bus_.device(functions.front()); device) details = describe(device.value());
    }
  }
  refusals_.describe(*details, open, name);
  reporter_.sink().report("device.open_refused", common::Severity::Medium, details);
  return true;
}

bool PciStorageControl::allowedHotPlugged(const std::vector<std::string>& functions) const {
  return std::any_of(functions.begin(), functions.end(), [&](const std::string& function) {
    return decided_.count(function) != 0 && blocked_.count(function) == 0 && atStart_.count(function) == 0;
  });
}

std::optional<ChannelVerdict> PciStorageControl::judge(const drivers::PciDevice& device, bool /*atStart*/) {
  decided_.insert(device.name);
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
  if (gateUnavailable_) fields.set("device.gate", std::string("unavailable"));
  if (verdict.decision != CardDecision::kBlock) {
    blocked_.erase(name);
    gateFunction(name, true);  // its nodes present now (a disk made before this decision) may open
    if (ours) {                // blocked by an earlier policy or run: let its driver have it now
      if (auto done = bus_.setDriverOverride(name, ""); !done) failed(device, done.error().describe());
      if (auto done = bus_.probe(name); !done) failed(device, done.error().describe());
    }
    return device;
  }
  blocked_.insert(name);
  gateFunction(name, false);  // allowed until now (a grant that ended): its nodes are refused again
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

void PciStorageControl::followPolicy() {
  if (!majorsGateWanted(settings_)) {
    liftGate();
    return;
  }
  if (gateUnavailable_) return;
  if (!gated_) {
    if (auto started = gate_.start(); !started) {
      gateFailed("the device gate cannot start (a blocked drive's disk may be opened until it is unbound): " +
                 started.error().describe());
      return;
    }
  } else {
    rebuild(true);  // a new policy: what may be opened may have changed
  }
  gateMajors();
}

void PciStorageControl::gateMajors() {
  std::vector<drivers::DeviceNumber> found;
  std::uint32_t blkext = kBlkextMajor;
  if (auto block = nodes_.majors(true); block && block.value().count("blkext") != 0) {
    blkext = block.value().at("blkext");
  }
  found.push_back({true, blkext, drivers::kAnyMinor});
  for (const auto& major : charMajorsNamed(nodes_, {"nvme", "nvme-generic"})) found.push_back(major);
  const std::vector<drivers::DeviceNumber> fresh = freshMajors(found, majors_);
  if (fresh.empty()) return;
  const std::vector<drivers::DeviceNumber> before = majors_;
  majors_.insert(majors_.end(), fresh.begin(), fresh.end());
  // The nodes present on them get their allow rules first, so nothing present is refused in between;
  // when they cannot be listed the majors stay open (never a lock-out of the system disk).
  const bool atStart = !gated_;
  auto present = nodes_.nodesOn(fresh);
  if (!present) {
    majors_ = before;
    gateFailed("cannot list the NVMe nodes, the gate stays open: " + present.error().describe());
    return;
  }
  for (const auto& node : present.value()) {
    if (mayOpen(node, atStart)) allow(node, false);
  }
  std::string denied;
  (void)denyMajors(
      gate_, fresh, [this](const std::string& what) { gateFailed(what); }, denied);
  logMajorsDenied("pcie storage", denied, allowed_.size(), "nodes");
  gated_ = true;
}

void PciStorageControl::liftGate() { liftRules(gate_, majors_, allowed_, gated_, "pcie storage", "NVMe"); }

void PciStorageControl::rebuild(bool reread) {
  auto present = nodesPresentOn(nodes_, majors_, "pcie storage");
  if (!present) return;
  std::set<drivers::DeviceNumber> seen;
  for (const auto& node : *present) {
    seen.insert(node.number);
    const auto known = allowed_.find(node.number);
    const bool same = known != allowed_.end() && known->second.name == node.name;
    if (mayOpen(node, false)) {
      allow(node, reread && !same);
    } else {
      revoke(node.number);
    }
  }
  for (auto it = allowed_.begin(); it != allowed_.end();) {
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    (void)gate_.clear(it->first);  // gone: its number goes to the next node
    it = allowed_.erase(it);
  }
}

bool PciStorageControl::onGatedMajor(const drivers::DeviceNumber& number) const { return onMajor(majors_, number); }

bool PciStorageControl::mayOpen(const drivers::StorageNode& node, bool atStart) {
  if (atStart) {  // present when the gate is first set: every node but a blocked drive's
    return std::none_of(node.pciFunctions.begin(), node.pciFunctions.end(),
                        [&](const std::string& function) { return blocked_.count(function) != 0; });
  }
  if (!node.resolved) return false;
  return std::all_of(node.pciFunctions.begin(), node.pciFunctions.end(),
                     [&](const std::string& function) { return functionAllowed(function); });
}

bool PciStorageControl::functionAllowed(const std::string& function) {
  if (blocked_.count(function) != 0) return false;
  if (atStart_.count(function) != 0 || decided_.count(function) != 0) return true;
  decide(function, false);  // not seen yet (its uevent was lost): decided now
  return decided_.count(function) != 0 && blocked_.count(function) == 0;
}

void PciStorageControl::allow(const drivers::StorageNode& node, bool reread) {
  const auto known = allowed_.find(node.number);
  if (known != allowed_.end() && known->second.name == node.name) return;
  if (auto done = gate_.set(node.number, drivers::DeviceAccess::kAll); !done) {
    gateFailed("/dev/" + node.name + ": " + done.error().describe());
    return;
  }
  allowed_[node.number] = {node.name, node.pciFunctions};
  if (!reread) return;  // present before the gate: nothing was refused
  // It appeared while the gate was set: whoever looked first (the kernel's partition scan, udev's
  // probe) was refused. The disk's partitions are read again, and udev is told to look again.
  if (node.disk) {
    if (auto done = nodes_.rereadPartitions(node.name); !done) {
      common::log::warning("pcie storage: " + done.error().describe());
    }
  }
  if (auto done = nodes_.announce(node); !done) common::log::warning("pcie storage: " + done.error().describe());
}

void PciStorageControl::revoke(const drivers::DeviceNumber& number) {
  if (allowed_.erase(number) == 0) return;
  if (auto done = gate_.clear(number); !done) gateFailed(numberText(number) + ": " + done.error().describe());
}

void PciStorageControl::gateFunction(const std::string& function, bool allowed) {
  if (!gated_) return;
  if (!allowed) {
    std::vector<drivers::DeviceNumber> numbers;
    for (const auto& [number, known] : allowed_) {
      if (std::find(known.functions.begin(), known.functions.end(), function) != known.functions.end()) {
        numbers.push_back(number);
      }
    }
    for (const auto& number : numbers) revoke(number);
    return;
  }
  auto present = nodes_.nodesOn(majors_);
  if (!present) return;
  for (const auto& node : present.value()) {
    const auto& functions = node.pciFunctions;
    if (std::find(functions.begin(), functions.end(), function) == functions.end()) continue;
    if (mayOpen(node, false)) allow(node, true);  // its disk came before this decision: scan refused
  }
}

void PciStorageControl::gateFailed(const std::string& what) {
  gateUnavailable_ = gateUnavailable_ || !gated_;
  reporter_.failed(busDetails("pci", "pcie_storage", {}), "", what);
}

}  // namespace mamori::agent::device
