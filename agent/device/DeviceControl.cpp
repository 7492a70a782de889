#include "agent/device/DeviceControl.h"

#include <algorithm>
#include <cstdio>

#include "agent/device/ChannelReporter.h"
#include "agent/device/DeviceEvents.h"
#include "agent/device/ReadOnlyBlocks.h"
#include "agent/report/EventFactory.h"
#include "common/Clock.h"
#include "common/Glob.h"
#include "common/Log.h"
#include "policy/UsbClass.h"

namespace mamori::agent::device {

namespace {
// Interfaces that MTP or PTP may hide behind: the phones channel needs their strings and the
// Microsoft OS descriptor. Nothing else is asked for more than sysfs shows (keyboards, sticks).
// "SanDisk Cruzer Blade (0781:5567)": what a person recognises in a list of blocked devices.
std::string readableName(const drivers::UsbDevice& device) {
  // "QEMU" and "QEMU USB HARDDRIVE": the product alone when it names the maker already.
  std::string name = device.product.rfind(device.manufacturer, 0) == 0 ? std::string() : device.manufacturer;
  if (!device.product.empty()) name += (name.empty() ? "" : " ") + device.product;
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", device.vendorId, device.productId);
  return name.empty() ? std::string("USB device ") + ids : name + " (" + ids + ")";
}

bool mayTransferFiles(const drivers::UsbDevice& device) {
  return std::any_of(device.interfaces.begin(), device.interfaces.end(), [](const drivers::UsbInterface& interface) {
    return interface.interfaceClass == policy::usb::kVendorSpecific ||
           interface.interfaceClass == policy::usb::kStillImage;
  });
}
}  // namespace

using policy::DeviceAction;
using policy::DeviceDecision;

DeviceControl::DeviceControl(drivers::UsbBus& bus, drivers::BlockDevices& blocks, drivers::UeventSource* uevents,
                             EventSink& sink)
    : bus_(bus), blocks_(blocks), uevents_(uevents), sink_(sink) {}

DeviceControl::~DeviceControl() = default;

void DeviceControl::addChannel(DeviceChannel* channel) {
  channels_.push_back(channel);
  if (exceptionSettings_) channel->setExceptions(this);
}

common::Status DeviceControl::apply(const policy::Policy& policy) {
  policyApplied_ = true;
  for (auto* channel : channels_) channel->apply(policy.deviceControl);
  // Every channel hears its uevents, USB bus or not: a PC without USB still has PCIe slots, card
  // readers, optical drives and Thunderbolt ports.
  listen();
  if (!bus_.present()) {
    if (!absentReported_) {
      absentReported_ = true;
      common::log::info("device control: this machine has no USB bus; the other channels are controlled");
      auto details = makeDetails();
      details->set("policy.mode", std::string(policy::modeName(policy.deviceControl.mode)));
      sink_.report("device.unavailable", common::Severity::Low, details);
    }
    return common::Ok{};
  }
  const bool first = !applied_;
  settings_ = policy.deviceControl;
  applied_ = true;
  // Enforce: nothing new gets a driver until decided. Audit and off change nothing the user sees, so
  // the kernel's defaults come back (also undoing an earlier enforce).
  auto defaults = setDefaults(settings_.mode != policy::Mode::kEnforce);
  rescan(first);
  for (auto* channel : channels_) channel->usbDecided();
  common::log::info("device control: mode " + std::string(policy::modeName(settings_.mode)) + ", " +
                    std::to_string(settings_.allow.size()) + " allow entries");
  return defaults;
}

void DeviceControl::listen() {
  if (uevents_ == nullptr || notifier_) return;
  notifier_ = std::make_unique<QSocketNotifier>(uevents_->fd(), QSocketNotifier::Read);
  connect(notifier_.get(), &QSocketNotifier::activated, this, [this] { onReadable(); });
}

common::Status DeviceControl::setDefaults(bool authorized) {
  auto names = bus_.deviceNames();
  if (!names) return names.error();
  std::optional<common::Error> firstError;
  for (const auto& name : names.value()) {
    if (name.rfind("usb", 0) != 0) continue;
    // Interfaces first: a device authorized in between must not bind storage on its way.
    for (const auto& status :
         {bus_.setInterfaceAuthorizedDefault(name, authorized), bus_.setAuthorizedDefault(name, authorized)}) {
      if (!status && !firstError) firstError = status.error();
    }
  }
  // Host controllers that appear later (a dock's, an ExpressCard's) start as closed, with no moment
  // before their root hub's add uevent reaches us. Not fatal: the uevent closes them a little later.
  if (auto closed = bus_.setNewControllersAuthorized(authorized); !closed) {
    common::log::warning("device control: new host controllers: " + closed.error().describe());
  }
  if (firstError) {
    common::log::error("device control: " + firstError->describe());
    return *firstError;
  }
  return common::Ok{};
}

void DeviceControl::rescan(bool atStart) {
  auto names = bus_.deviceNames();
  if (!names) {
    common::log::error("device control: " + names.error().describe());
    return;
  }
  for (const auto& name : names.value()) {
    if (name.rfind("usb", 0) != 0) decide(name, atStart);
  }
}

void DeviceControl::onReadable() {
  // A Qt slot: nothing may escape it.
  try {
    auto batch = uevents_->readPending();
    if (!batch) {
      common::log::error("device control: " + batch.error().describe());
      return;
    }
    for (const auto& event : batch.value().events) handleUevent(event);
    if (batch.value().overflowed) {
      common::log::warning("device control: uevents were lost; deciding every device again");
      rescan(false);
      for (auto* channel : channels_) channel->uneventsLost();
    }
  } catch (const std::exception& e) {
    common::log::error(std::string("device control: ") + e.what());
  }
}

void DeviceControl::handleUevent(const drivers::Uevent& event) {
  for (auto* channel : channels_) channel->handleUevent(event);
  if (!applied_) return;
  if (event.subsystem == "usb" && event.devtype == "usb_device") {
    const std::string name = event.kernelName();
    if (event.action == "add") {
      if (name.rfind("usb", 0) == 0) {  // a new host controller: same defaults as the others
        (void)setDefaults(settings_.mode != policy::Mode::kEnforce);
        return;
      }
      common::log::debug("device control: uevent add " + event.devpath + " seq " + std::to_string(event.seqnum));
      decide(name, false);
    } else if (event.action == "remove") {
      readOnly_.erase(event.devpath);
      blocked_.erase(name);
    }
    return;
  }
  protectNewBlockDevice(readOnly_, event, blocks_, "device control");
}

void DeviceControl::decide(const std::string& name, bool atStart, bool announce, bool again) {
  auto found = bus_.device(name);
  if (!found) {
    // Unplugged again before we looked: nothing to decide.
    common::log::warning("device control: " + found.error().describe());
    return;
  }
  drivers::UsbDevice& device = found.value();
  if (settings_.mode != policy::Mode::kOff && mayTransferFiles(device)) bus_.readInterfaceDetails(device);
  if (settings_.mode == policy::Mode::kOff) {
    authorizeAll(device);
    return;
  }
  if (announce) {
    auto connected = deviceDetails(device);
    connected->set("device.attached_at_start", atStart);
    sink_.report("device.connected", common::Severity::Info, connected);
  }
  if (exceptionSettings_ && settings_.mode == policy::Mode::kEnforce) {
    if (auto grant = exceptions_.covering(device, exceptionSettings_->nowMs())) {
      authorizeAll(device);
      blocked_.erase(device.name);
      auto details = deviceDetails(device);
      details->set("device.decision", std::string("allow"));
      details->set("device.reason",
                   "temporary exception " + grant->challenge + " until " + common::formatUtcMs(grant->expiresAtMs));
      details->set("device.exception_challenge", grant->challenge);
      sink_.report("device.allowed", common::Severity::Info, details);
      if (markUsed(grant->challenge)) {
        auto used = deviceDetails(device);
        used->set("device.exception_challenge", grant->challenge);
        used->set("device.exception_expires_at", common::formatUtcMs(grant->expiresAtMs));
        sink_.report("device.exception_used", common::Severity::Medium, used);
      }
      return;
    }
  }
  blocked_.erase(device.name);

  const policy::DeviceVerdict verdict = policy::evaluateUsbDevice(settings_, toFacts(device));
  auto details = verdictDetails(device, verdict, settings_.mode);
  if (verdict.audit && verdict.decision == DeviceDecision::kAllow) {
    authorizeAll(device);
    sink_.report("device.audit", common::Severity::Low, details);
    return;
  }
  if (!enforce(device, verdict)) {
    if (!again) {
      common::log::info("device control: " + device.name +
                        ": the kernel configured other interfaces than decided; deciding it again");
      decide(name, atStart, false, true);
      return;
    }
    (void)bus_.setDeviceAuthorized(device.name, false);
    failed(device, common::makeError("interfaces changed while deciding", device.name));
    return;
  }
  switch (verdict.decision) {
    case DeviceDecision::kAllow: sink_.report("device.allowed", common::Severity::Info, details); break;
    case DeviceDecision::kReadOnly: sink_.report("device.read_only", common::Severity::Info, details); break;
    case DeviceDecision::kPartial:
    case DeviceDecision::kBlock:
      if (exceptionSettings_) {
        const std::string challenge =
            offer({device.vendorId, device.productId, device.serial}, device.name, readableName(device));
        details->set("device.exception_challenge", challenge);
        // What the employee runs to ask for it (docs/admin.md "Exception requests").
        details->set("device.request_command", requestCommand(device.name));
        common::log::info("device control: " + device.name + " blocked; exception challenge " + challenge +
                          "; to ask for it: " + requestCommand(device.name));
      }
      sink_.report("device.blocked", common::Severity::Medium, details);
      break;
  }
}

namespace {
// The kernel configured the interfaces that were decided: the same numbers and classes in the same order.
bool sameInterfaces(const std::vector<drivers::UsbInterface>& decided, const std::vector<drivers::UsbInterface>& now) {
  return std::equal(decided.begin(), decided.end(), now.begin(), now.end(),
                    [](const drivers::UsbInterface& a, const drivers::UsbInterface& b) {
                      return a.number == b.number && a.interfaceClass == b.interfaceClass && a.subClass == b.subClass &&
                             a.protocol == b.protocol;
                    });
}
}  // namespace

bool DeviceControl::enforce(const drivers::UsbDevice& device, const policy::DeviceVerdict& verdict) {
  if (verdict.decision == DeviceDecision::kBlock) {
    readOnly_.erase(device.devpath);
    if (device.authorized) {
      if (auto done = bus_.setDeviceAuthorized(device.name, false); !done) failed(device, done.error());
    }
    return true;
  }
  if (verdict.decision == DeviceDecision::kReadOnly) {
    readOnly_[device.devpath] = device.name;  // before authorizing: its block uevents follow
  } else {
    readOnly_.erase(device.devpath);
  }
  auto authorized = authorizeDevice(device);
  if (!authorized) return true;
  const drivers::UsbDevice& current = *authorized;
  // Interfaces and verdicts are in the same (descriptor) order. Other interfaces than the decided
  // ones (a multi-configuration device configured otherwise than predicted, or a device that changed)
  // are left unauthorized (the interface default is closed) for a new decision: never mapped by index.
  if (!current.interfaces.empty() && (current.interfaces.size() != verdict.interfaces.size() ||
                                      !sameInterfaces(device.interfaces, current.interfaces))) {
    return false;
  }
  std::vector<std::string> probe;
  for (std::size_t i = 0; i < current.interfaces.size(); ++i) {
    const auto& interface = current.interfaces[i];
    const bool allow = verdict.interfaces[i].action != DeviceAction::kBlock;
    if (interface.name.empty() || interface.authorized == allow) continue;
    if (auto done = bus_.setInterfaceAuthorized(interface.name, allow); !done) {
      failed(device, done.error());
      continue;
    }
    if (allow) probe.push_back(interface.name);
  }
  // All allowed interfaces first, then probing: drivers that claim several interfaces find them all.
  for (const auto& interface : probe) {
    if (auto done = bus_.probeInterface(interface); !done) failed(device, done.error());
  }
  if (verdict.decision == DeviceDecision::kReadOnly) protectBlockDevices(device.devpath);
  return true;
}

std::optional<drivers::UsbDevice> DeviceControl::authorizeDevice(const drivers::UsbDevice& device) {
  if (device.authorized) return device;
  if (auto done = bus_.setDeviceAuthorized(device.name, true); !done) {
    failed(device, done.error());
    return std::nullopt;
  }
  // The kernel configured it during the write: read it again for its interfaces' names.
  auto reread = bus_.device(device.name);
  if (!reread) {
    failed(device, reread.error());
    return std::nullopt;
  }
  return std::move(reread).value();
}

void DeviceControl::authorizeAll(const drivers::UsbDevice& device) {
  readOnly_.erase(device.devpath);
  auto current = authorizeDevice(device);
  if (!current) return;
  for (const auto& interface : current->interfaces) {
    if (interface.name.empty() || interface.authorized) continue;
    if (auto done = bus_.setInterfaceAuthorized(interface.name, true); !done) {
      failed(device, done.error());
      continue;
    }
    if (auto done = bus_.probeInterface(interface.name); !done) failed(device, done.error());
  }
}

bool DeviceControl::readOnlyBelow(const std::string& devpath) const {
  return std::any_of(readOnly_.begin(), readOnly_.end(), [&](const auto& entry) {
    return devpath != entry.first && common::pathIsUnder(devpath, entry.first);
  });
}

void DeviceControl::protectBlockDevices(const std::string& devpath) {
  // Block devices that exist already (a stick attached before the agent started).
  auto blocks = bus_.blockDevicesUnder(devpath);
  if (!blocks) {
    common::log::error("device control: " + blocks.error().describe());
    return;
  }
  for (const auto& block : blocks.value()) {
    if (auto done = blocks_.setReadOnly(block); !done) {
      common::log::error("device control: read-only " + block + ": " + done.error().describe());
    }
  }
}

void DeviceControl::failed(const drivers::UsbDevice& device, const common::Error& error) {
  common::log::error("device control: " + device.name + ": " + error.describe());
  auto details = deviceDetails(device);
  details->set("error.message", error.describe());
  sink_.report("device.error", common::Severity::High, details);
}

}  // namespace mamori::agent::device
