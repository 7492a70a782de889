#include "drivers/fake/FakeThunderboltBus.h"

#include <cerrno>

#include "drivers/fake/RecordedDevices.h"
#include "drivers/linux/LinuxThunderboltBus.h"

namespace mamori::drivers::fake {

FakeThunderboltBus FakeThunderboltBus::fromSysfsTree(const std::string& sysfsRoot) {
  linux_os::LinuxThunderboltBus reader(sysfsRoot);
  FakeThunderboltBus bus;
  bus.present_ = reader.present();
  if (!bus.present_) return bus;
  bus.devices_ = readRecordedDevices([&] { return reader.deviceNames(); },
                                     [&](const std::string& name) { return reader.device(name); });
  return bus;
}

void FakeThunderboltBus::plug(ThunderboltDevice device) {
  present_ = true;
  device.authorized = device.security == "user" || device.security == "secure" ? 0 : 1;
  devices_[device.name] = std::move(device);
}

common::Result<std::vector<std::string>> FakeThunderboltBus::deviceNames() const { return namesOf(devices_); }

common::Result<ThunderboltDevice> FakeThunderboltBus::device(const std::string& name) const {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such Thunderbolt device", name, ENOENT);
  return it->second;
}

common::Status FakeThunderboltBus::authorize(const std::string& name, const std::string& key, bool challenge) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such Thunderbolt device", name, ENOENT);
  ThunderboltDevice& device = it->second;
  if (!key.empty()) {
    if (!device.hasKey) return common::makeError("cannot write key: the domain is not at level secure", name, ENOENT);
    writes_.push_back("key " + name + " " + key);
  }
  const int level = !key.empty() && challenge ? 2 : 1;
  writes_.push_back("authorized " + name + " " + std::to_string(level));
  if (device.authorized != 0) return common::makeError("cannot write authorized: already authorized", name, EINVAL);
  device.authorized = level;
  return common::Ok{};
}

common::Status FakeThunderboltBus::deauthorize(const std::string& name) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such Thunderbolt device", name, ENOENT);
  writes_.push_back("authorized " + name + " 0");
  if (it->second.authorized == 0) return common::makeError("cannot write authorized: not authorized", name, EINVAL);
  if (!it->second.canDeauthorize) {
    return common::makeError("cannot write authorized: the domain does not support deauthorization", name, EINVAL);
  }
  it->second.authorized = 0;
  return common::Ok{};
}

}  // namespace mamori::drivers::fake
