#include "agent/device/ThunderboltControl.h"

#include <array>
#include <cstdio>
#include <filesystem>

#include "agent/device/DeviceEvents.h"
#include "agent/report/EventFactory.h"
#include "common/Files.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::PciDecision;

namespace {

bool isKey(const std::string& text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Poco::JSON::Object::Ptr thunderboltDetails(const drivers::ThunderboltDevice& device) {
  auto details = makeDetails();
  details->set("device.bus", std::string("thunderbolt"));
  details->set("device.channel", std::string("thunderbolt"));
  details->set("thunderbolt.unique_id", device.uniqueId);
  details->set("thunderbolt.vendor_id", hexDigits(device.vendorId, 4));
  details->set("thunderbolt.device_id", hexDigits(device.deviceId, 4));
  details->set("thunderbolt.vendor_name", device.vendorName);
  details->set("thunderbolt.device_name", device.deviceName);
  details->set("thunderbolt.security", device.security);
  details->set("thunderbolt.authorized", static_cast<std::int64_t>(device.authorized));
  details->set("thunderbolt.port", device.devpath);
  details->set("thunderbolt.kernel_name", device.name);
  return details;
}

ThunderboltControl::ThunderboltControl(drivers::ThunderboltBus& bus, EventSink& sink, std::string keyDir,
                                       std::function<std::string()> randomKey)
    : bus_(bus), sink_(sink), keyDir_(std::move(keyDir)), randomKey_(std::move(randomKey)) {}

void ThunderboltControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  if (!bus_.present()) return;  // no controller, or thunderbolt not loaded yet: its uevents come later
  auto names = bus_.deviceNames();
  if (!names) {
    common::log::error("thunderbolt: " + names.error().describe());
    return;
  }
  const bool first = !applied_;
  applied_ = true;
  for (const auto& name : names.value()) {
    if (!first) continue;
    auto found = bus_.device(name);
    if (found && found.value().authorized != 0) authorizedAtStart_.insert(name);
  }
  for (const auto& name : names.value()) decide(name, true);
}

void ThunderboltControl::handleUevent(const drivers::Uevent& event) {
  if (event.subsystem != "thunderbolt" || event.devtype != "thunderbolt_device") return;
  const std::string name = event.kernelName();
  if (event.action == "remove") {
    authorizedAtStart_.erase(name);
    return;
  }
  if (event.action != "add") return;
  if (!applied_) {
    // The bus appeared after the policy (thunderbolt loaded late): nothing was there at start.
    if (!bus_.present()) return;
    applied_ = true;
  }
  authorizedAtStart_.erase(name);  // a new device at a route seen at start
  decide(name, false);
}

void ThunderboltControl::decide(const std::string& name, bool atStart) {
  auto found = bus_.device(name);
  if (!found) {
    common::log::warning("thunderbolt: " + found.error().describe());  // unplugged before we looked
    return;
  }
  const drivers::ThunderboltDevice& device = found.value();
  const policy::ThunderboltVerdict verdict = policy::evaluateThunderboltDevice(
      settings_,
      {device.uniqueId, device.vendorId, device.deviceId, device.security, authorizedAtStart_.count(name) != 0});
  if (settings_.mode == policy::Mode::kOff) {
    // Off: the kernel's behaviour; a device an earlier enforce left waiting gets its tunnel.
    if (device.authorized == 0 && (device.security == "user" || device.security == "secure")) (void)approve(device);
    return;
  }
  if (verdict.decision == PciDecision::kAllow && device.authorized == 0 && verdict.enforceable) {
    if (auto done = approve(device); !done) failed(device, done.error().describe());
  } else if (verdict.decision == PciDecision::kAllow && device.authorized == 0 && verdict.audit) {
    if (auto done = approve(device); !done) failed(device, done.error().describe());
  } else if (verdict.decision == PciDecision::kBlock && device.authorized != 0) {
    // Authorized before the agent and thunderbolt_keep_authorized is false, or by an earlier policy.
    if (!device.canDeauthorize) {
      failed(device, "cannot deauthorize: the domain does not support it (deauthorization 0); unplug it");
    } else if (auto done = bus_.deauthorize(name); !done) {
      failed(device, done.error().describe());
    }
  }
  auto now = bus_.device(name);
  const drivers::ThunderboltDevice& shown = now ? now.value() : device;
  auto connected = thunderboltDetails(shown);
  connected->set("device.attached_at_start", atStart);
  sink_.report("device.connected", common::Severity::Info, connected);
  auto details = thunderboltDetails(shown);
  details->set("device.decision", std::string(policy::pciDecisionName(verdict.decided)));
  details->set("device.enforced", std::string(policy::pciDecisionName(verdict.decision)));
  details->set("device.reason", verdict.reason);
  details->set("device.allow_entry", static_cast<std::int64_t>(verdict.allowEntry));
  details->set("policy.mode", std::string(policy::modeName(settings_.mode)));
  if (verdict.audit) {
    sink_.report("device.audit", common::Severity::Low, details);
  } else if (verdict.decision == PciDecision::kBlock) {
    sink_.report("device.blocked", common::Severity::Medium, details);
  } else {
    sink_.report("device.allowed", common::Severity::Info, details);
  }
}

common::Status ThunderboltControl::approve(const drivers::ThunderboltDevice& device) {
  if (device.security != "secure") return bus_.authorize(device.name, "", false);
  if (keyDir_.empty() || device.uniqueId.empty()) {
    return common::makeError("security level secure needs a key store and the device's UUID", device.name);
  }
  // The key this PC gave the device before: a challenge proves it is the same device.
  const std::string path = keyDir_ + "/" + device.uniqueId;
  if (auto kept = common::readSmallFile(path, 128)) {
    std::string key = kept.value();
    while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
    if (isKey(key)) return bus_.authorize(device.name, key, true);
  }
  const std::string key = randomKey_();
  if (!isKey(key)) return common::makeError("no key for the device", device.name);
  std::error_code ec;
  std::filesystem::create_directories(keyDir_, ec);
  std::filesystem::permissions(keyDir_, std::filesystem::perms::owner_all, ec);
  if (auto saved = common::writeFileAtomically(path, key + "\n", 0600); !saved) return saved;
  return bus_.authorize(device.name, key, false);
}

void ThunderboltControl::failed(const drivers::ThunderboltDevice& device, const std::string& what) {
  common::log::error("thunderbolt: " + device.name + ": " + what);
  auto details = thunderboltDetails(device);
  details->set("error.message", what);
  sink_.report("device.error", common::Severity::High, details);
}

}  // namespace mamori::agent::device
