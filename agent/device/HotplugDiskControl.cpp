#include "agent/device/HotplugDiskControl.h"

#include <algorithm>

#include "agent/device/ChannelVerdict.h"
#include "agent/device/DeviceEvents.h"
#include "common/Log.h"
#include "policy/PciEvaluator.h"

namespace mamori::agent::device {

namespace {

// SCSI_DISK0_MAJOR, SCSI_DISK1..7_MAJOR, SCSI_DISK8..15_MAJOR: fixed in the kernel, only ever sd.
bool isSdMajor(std::uint32_t major) {
  return major == 8 || (major >= 65 && major <= 71) || (major >= 128 && major <= 135);
}
// An sd disk's minors: the disk at a multiple of 16, its partitions 1-15 above it (more go to blkext).
constexpr std::uint32_t kSdMinors = 16;
// SCSI peripheral device types that hold data: disk, tape, write-once, optical memory, RBC, ZBC host managed.
bool holdsStorage(int type) { return type == 0 || type == 1 || type == 4 || type == 7 || type == 0xe || type == 0x14; }

}  // namespace

HotplugDiskControl::HotplugDiskControl(drivers::StorageNodes& nodes, drivers::DeviceAccessGate& gate, EventSink& sink,
                                       PciAllowed pciAllowed)
    : nodes_(nodes),
      gate_(gate),
      sink_(sink),
      reporter_(sink, "hot-plugged disks"),
      pciAllowed_(std::move(pciAllowed)) {}

void HotplugDiskControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  applied_ = true;
  if (!majorsGateWanted(settings_)) {
    liftGate();
    return;
  }
  if (gateUnavailable_) return;
  if (gated_) {
    // A new policy: disks decided earlier are decided again (disk_allow may name them now, or no longer).
    decided_.clear();
    devices_.clear();
    rebuild(true);
    return;
  }
  if (auto started = gate_.start(); !started) {
    gateFailed("the device gate cannot start (a hot-plugged disk can be opened): " + started.error().describe());
    return;
  }
  gateMajors();
}

void HotplugDiskControl::handleUevent(const drivers::Uevent& event) {
  if (!applied_ || !gated_) return;
  if (event.subsystem == "scsi" && event.devtype == "scsi_device" && event.action == "remove") {
    atStart_.erase(event.devpath);  // the address goes to the next device
    decided_.erase(event.devpath);
    if (const auto known = devices_.find(event.devpath); known != devices_.end()) {
      reporter_.forget(known->second.id);  // no longer offered for an exception
      devices_.erase(known);
    }
    return;
  }
  if (event.subsystem != "block" && event.subsystem != "scsi_generic" && event.subsystem != "bsg") return;
  const auto number = ueventNumber(event);
  if (!number) return;
  if (event.action == "add" && !number->block && !onGatedMajor(*number)) gateMajors();  // sg or bsg loaded since
  if (!onGatedMajor(*number)) return;
  if (event.action == "remove") {
    revoke(*number);
  } else if (event.action == "add") {
    auto node = nodes_.node(*number);
    if (!node || optical(node.value())) return;
    if (allowed_.count(*number) != 0) return;  // a partition of an allowed disk: allowed with the disk
    if (mayOpen(node.value())) allow(node.value(), true);
  }
}

void HotplugDiskControl::decideAgain(const DeviceIdentity& device) {
  if (!applied_ || !gated_) return;
  bool named = false;
  for (const auto& [devpath, known] : devices_) {
    if (known.identity != device) continue;
    decided_.erase(devpath);
    named = true;
  }
  // Allowed now: its nodes get their rules and its partitions are read; refused again: the rules go.
  if (named) rebuild(true);
}

void HotplugDiskControl::uneventsLost() {
  if (!applied_ || !gated_) return;
  gateMajors();
  rebuild(true);
}

void HotplugDiskControl::usbDecided() {
  if (applied_ && gated_) rebuild(false);
}

bool HotplugDiskControl::refusedOpen(const drivers::RefusedOpen& open, std::int64_t nowMs) {
  if (!onGatedMajor(open.device)) return false;
  auto node = nodes_.node(open.device);
  if (node && optical(node.value())) return false;  // the optical channel's
  std::string name;
  if (node) {
    const bool bsg = node.value().devpath.find("/bsg/") != std::string::npos;
    name = (bsg ? "/dev/bsg/" : "/dev/") + node.value().name;
  }
  logRefusedOpen("hot-plugged disks", open, name);
  // Refused before the agent allowed the node (a USB stick's or an allowed disk's partition scan, udev's
  // first probe, in the moment before its uevent was read): logged only, since the node opens now.
  if (allowed_.count(open.device) != 0) return true;
  if (!refusals_.admit(open, nowMs)) return true;
  auto details = node ? describe(node.value()) : busDetails("scsi", "pcie_storage", {});
  refusals_.describe(*details, open, name);
  sink_.report("device.open_refused", common::Severity::Medium, details);
  return true;
}

void HotplugDiskControl::gateMajors() {
  std::vector<drivers::DeviceNumber> found;
  for (std::uint32_t major = 0; major < 256; ++major) {
    if (isSdMajor(major)) found.push_back({true, major, drivers::kAnyMinor});
  }
  for (const auto& major : charMajorsNamed(nodes_, {"sg", "bsg"})) found.push_back(major);
  const std::vector<drivers::DeviceNumber> fresh = freshMajors(found, majors_);
  if (fresh.empty()) return;
  // Every node present on them gets its allow rule first (when the gate is first set: all of them,
  // the system disk among them); if one cannot, the majors stay open: never a lock-out.
  auto present = nodes_.nodesOn(fresh);
  if (!present) {
    gateFailed("cannot list the SCSI nodes, the gate stays open: " + present.error().describe());
    return;
  }
  const bool first = !gated_;
  for (const auto& node : present.value()) {
    if (optical(node)) continue;
    if (first) atStart_.insert(node.scsiDevpath);
    if (!first && !mayOpen(node)) continue;
    if (!allow(node, false)) return;  // the majors stay open
  }
  std::string denied;
  for (const auto& major : denyMajors(
           gate_, fresh, [this](const std::string& what) { gateFailed(what); }, denied)) {
    majors_.push_back(major);
  }
  logMajorsDenied("hot-plugged disks", denied, allowed_.size(), "numbers");
  gated_ = true;
}

void HotplugDiskControl::liftGate() {
  if (!gated_) return;
  atStart_.clear();
  decided_.clear();
  for (const auto& [devpath, known] : devices_) reporter_.forget(known.id);
  devices_.clear();
  liftRules(gate_, majors_, allowed_, gated_, "hot-plugged disks", "SCSI");
}

void HotplugDiskControl::rebuild(bool reread) {
  auto present = nodesPresentOn(nodes_, majors_, "hot-plugged disks");
  if (!present) return;
  std::set<drivers::DeviceNumber> keep;
  std::vector<const drivers::StorageNode*> toAllow;
  for (const auto& node : present.value()) {
    if (optical(node)) continue;
    if (!mayOpen(node)) continue;
    keep.insert(node.number);
    toAllow.push_back(&node);
  }
  // Rules of nodes gone or no longer allowed go (a disk's partition minors stay with their disk).
  for (auto it = allowed_.begin(); it != allowed_.end();) {
    if (keep.count(it->second) != 0 || keep.count(it->first) != 0) {
      ++it;
      continue;
    }
    (void)gate_.clear(it->first);
    it = allowed_.erase(it);
  }
  for (const auto* node : toAllow) {
    if (allowed_.count(node->number) == 0) allow(*node, reread);
  }
}

bool HotplugDiskControl::onGatedMajor(const drivers::DeviceNumber& number) const { return onMajor(majors_, number); }

bool HotplugDiskControl::optical(const drivers::StorageNode& node) {
  return !node.number.block && (node.scsiType == 5 || node.scsiType == 4);
}

bool HotplugDiskControl::mayOpen(const drivers::StorageNode& node) {
  if (node.scsiDevpath.empty() || node.usb || atStart_.count(node.scsiDevpath) != 0) return true;
  if (!holdsStorage(node.scsiType)) return true;
  const auto known = decided_.find(node.scsiDevpath);
  if (known != decided_.end()) return known->second;
  return decide(node);
}

bool HotplugDiskControl::decide(const drivers::StorageNode& node) {
  // Below a hot-plugged storage controller PCIe storage allowed: that channel's decision, reported there.
  if (!node.pciFunctions.empty() && pciAllowed_ && pciAllowed_(node.pciFunctions)) {
    decided_[node.scsiDevpath] = true;
    return true;
  }
  ChannelVerdict verdict =
      channelVerdict(policy::evaluateHotplugDisk(settings_, {node.vendor, node.model, node.serial}));
  const ChannelDevice device = identify(node);
  const auto grant = reporter_.excepted(device.identity, verdict, settings_.mode);
  const bool allowed = verdict.decision != policy::CardDecision::kBlock;
  decided_[node.scsiDevpath] = allowed;
  // Decided again (a grant came or ended): connected was said the first time.
  const bool first = devices_.insert_or_assign(node.scsiDevpath, device).second;
  if (verdict.reported) {
    if (first) reporter_.connected(describe(node), false);
    reporter_.decided(describe(node), verdict, settings_.mode, &device, grant);
  }
  return allowed;
}

bool HotplugDiskControl::allow(const drivers::StorageNode& node, bool reread) {
  if (allowed_.count(node.number) == 0) {
    if (auto done = gate_.set(node.number, drivers::DeviceAccess::kAll); !done) {
      gateFailed("/dev/" + node.name + ": " + done.error().describe());
      return false;
    }
    allowed_[node.number] = node.number;
  }
  if (node.disk && node.number.block && isSdMajor(node.number.major) && node.number.minor % kSdMinors == 0) {
    // Its partitions, present or to come: a partition made later is never refused.
    for (std::uint32_t minor = node.number.minor + 1; minor < node.number.minor + kSdMinors; ++minor) {
      const drivers::DeviceNumber partition{true, node.number.major, minor};
      if (allowed_.count(partition) != 0) continue;
      if (auto done = gate_.set(partition, drivers::DeviceAccess::kAll); !done)
        break;  // the partition's own add allows it
      allowed_[partition] = node.number;
    }
  }
  if (!reread) return true;
  if (node.disk) {
    if (auto done = nodes_.rereadPartitions(node.name); !done) {
      common::log::warning("hot-plugged disks: " + done.error().describe());
    }
  }
  if (auto done = nodes_.announce(node); !done) common::log::warning("hot-plugged disks: " + done.error().describe());
  return true;
}

void HotplugDiskControl::revoke(const drivers::DeviceNumber& number) {
  // The rules this node brought: its own and, for a disk, its partition minors. A partition allowed
  // with its disk keeps its rule when it goes (a partition table re-read removes and adds them again).
  for (auto it = allowed_.begin(); it != allowed_.end();) {
    if (it->second != number) {
      ++it;
      continue;
    }
    if (auto done = gate_.clear(it->first); !done) gateFailed(numberText(it->first) + ": " + done.error().describe());
    it = allowed_.erase(it);
  }
}

Poco::JSON::Object::Ptr HotplugDiskControl::describe(const drivers::StorageNode& node) const {
  return busDetails("scsi", "pcie_storage",
                    {{"scsi.vendor", node.vendor},
                     {"scsi.model", node.model},
                     {"scsi.serial", node.serial},
                     {"scsi.address", node.scsiDevice},
                     {"scsi.type", node.scsiType},
                     {"scsi.node", node.name},
                     {"scsi.port", node.scsiDevpath}});
}

ChannelDevice HotplugDiskControl::identify(const drivers::StorageNode& node) {
  return {hashedIdentity(node.vendor, node.model, node.vendor + "/" + node.model + "/" + node.serial, "hotplug_disks"),
          node.scsiDevice, "disk " + node.vendor + " " + node.model + (node.serial.empty() ? "" : " " + node.serial)};
}

void HotplugDiskControl::gateFailed(const std::string& what) {
  gateUnavailable_ = gateUnavailable_ || !gated_;
  reporter_.failed(busDetails("scsi", "pcie_storage", {}), "", what);
}

}  // namespace mamori::agent::device
