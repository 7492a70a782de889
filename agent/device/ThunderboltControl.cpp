#include "agent/device/ThunderboltControl.h"

#include <filesystem>

#include "agent/device/DeviceEvents.h"
#include "common/Files.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

namespace {

bool isKey(const std::string& text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Poco::JSON::Object::Ptr ThunderboltControl::describe(const drivers::ThunderboltDevice& device) const {
  return busDetails("thunderbolt", "thunderbolt",
                    {{"thunderbolt.unique_id", device.uniqueId},
                     {"thunderbolt.vendor_id", hexDigits(device.vendorId, 4)},
                     {"thunderbolt.device_id", hexDigits(device.deviceId, 4)},
                     {"thunderbolt.vendor_name", device.vendorName},
                     {"thunderbolt.device_name", device.deviceName},
                     {"thunderbolt.security", device.security},
                     {"thunderbolt.authorized", static_cast<std::int64_t>(device.authorized)},
                     {"thunderbolt.port", device.devpath},
                     {"thunderbolt.kernel_name", device.name}});
}

ChannelDevice ThunderboltControl::identify(const drivers::ThunderboltDevice& device) const {
  std::string name = device.vendorName;
  if (!device.deviceName.empty()) name += (name.empty() ? "" : " ") + device.deviceName;
  if (name.empty()) name = "Thunderbolt device " + hexDigits(device.vendorId, 4) + ":" + hexDigits(device.deviceId, 4);
  if (!device.uniqueId.empty()) name += " (" + device.uniqueId + ")";
  return {{device.vendorId, device.deviceId, device.uniqueId, "thunderbolt"}, device.name, name};
}

ThunderboltControl::ThunderboltControl(drivers::ThunderboltBus& bus, EventSink& sink, std::string keyDir,
                                       std::function<std::string()> randomKey)
    : ChannelControl(bus, sink, "thunderbolt"), keyDir_(std::move(keyDir)), randomKey_(std::move(randomKey)) {}

void ThunderboltControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  if (!bus_.present()) return;  // no controller, or thunderbolt not loaded yet: its uevents come later
  const auto names = presentNames();
  if (!names) return;
  const bool first = !applied_;
  applied_ = true;
  for (const auto& name : *names) {
    if (!first) continue;
    auto found = bus_.device(name);
    if (found && found.value().authorized != 0) authorizedAtStart_.insert(name);
  }
  for (const auto& name : *names) decide(name, true);
}

void ThunderboltControl::handleUevent(const drivers::Uevent& event) {
  if (event.subsystem != "thunderbolt" || event.devtype != "thunderbolt_device") return;
  const std::string name = event.kernelName();
  if (event.action == "remove") {
    authorizedAtStart_.erase(name);
    reporter_.forget(name);
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

std::optional<ChannelVerdict> ThunderboltControl::judge(const drivers::ThunderboltDevice& device, bool /*atStart*/) {
  const policy::ThunderboltVerdict verdict = policy::evaluateThunderboltDevice(
      settings_,
      {device.uniqueId, device.vendorId, device.deviceId, device.security, authorizedAtStart_.count(device.name) != 0});
  if (settings_.mode == policy::Mode::kOff) {
    // Off: the kernel's behaviour; a device an earlier enforce left waiting gets its tunnel.
    if (device.authorized == 0 && (device.security == "user" || device.security == "secure")) (void)approve(device);
    return std::nullopt;
  }
  enforceable_ = verdict.enforceable;
  return channelVerdict(verdict);
}

drivers::ThunderboltDevice ThunderboltControl::enforce(const drivers::ThunderboltDevice& device,
                                                       const ChannelVerdict& verdict, Poco::JSON::Object& /*fields*/) {
  const std::string& name = device.name;
  if (verdict.decision == CardDecision::kAllow && device.authorized == 0 && (enforceable_ || verdict.audit)) {
    // Allowed, or audited (the kernel's behaviour: a device waiting at user or secure gets its tunnel).
    if (auto done = approve(device); !done) failed(device, done.error().describe());
  } else if (verdict.decision == CardDecision::kBlock && device.authorized != 0) {
    // Authorized before the agent and thunderbolt_keep_authorized is false, or by an earlier policy.
    if (!device.canDeauthorize) {
      failed(device, "cannot deauthorize: the domain does not support it (deauthorization 0); unplug it");
    } else if (auto done = bus_.deauthorize(name); !done) {
      failed(device, done.error().describe());
    }
  }
  auto now = bus_.device(name);
  return now ? now.value() : device;
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

}  // namespace mamori::agent::device
