#include "drivers/fake/FakePciBus.h"

#include "drivers/fake/RecordedDevices.h"
#include "drivers/linux/LinuxPciBus.h"

namespace mamori::drivers::fake {

FakePciBus FakePciBus::fromSysfsTree(const std::string& sysfsRoot) {
  linux_os::LinuxPciBus reader(sysfsRoot);
  FakePciBus bus;
  bus.present_ = reader.present();
  if (!bus.present_) return bus;
  bus.devices_ = readRecordedDevices([&] { return reader.deviceNames(); },
                                     [&](const std::string& name) { return reader.device(name); });
  for (const auto& [name, device] : bus.devices_) {
    auto blocks = reader.blockDevicesUnder(device.devpath);
    MAMORI_ASSERT(blocks.ok());
    bus.blocks_[name] = blocks.value();
    bus.drivers_[name] = device.driver;
  }
  return bus;
}

void FakePciBus::hotPlug(PciDevice device, const std::string& driver, std::vector<std::string> blocks) {
  present_ = true;
  drivers_[device.name] = driver;
  blocks_[device.name] = std::move(blocks);
  device.driver = device.driverOverride.empty() || device.driverOverride == driver ? driver : "";
  devices_[device.name] = std::move(device);
}

void FakePciBus::bindNow(const std::string& name, const std::string& driver) { devices_.at(name).driver = driver; }

common::Result<std::vector<std::string>> FakePciBus::deviceNames() const { return namesOf(devices_); }

common::Result<PciDevice> FakePciBus::device(const std::string& name) const {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such PCI device", name, 2);
  return it->second;
}

common::Status FakePciBus::setDriverOverride(const std::string& name, const std::string& driver) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such PCI device", name, 2);
  writes_.push_back("driver_override " + name + " " + driver);
  it->second.driverOverride = driver;
  return common::Ok{};
}

common::Status FakePciBus::unbind(const std::string& name) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such PCI device", name, 2);
  if (it->second.driver.empty()) return common::Ok{};
  writes_.push_back("unbind " + name);
  it->second.driver.clear();
  return common::Ok{};
}

common::Status FakePciBus::probe(const std::string& name) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such PCI device", name, 2);
  writes_.push_back("probe " + name);
  const std::string& driver = drivers_[name];
  if (it->second.driverOverride.empty() || it->second.driverOverride == driver) it->second.driver = driver;
  return common::Ok{};
}

common::Result<std::vector<std::string>> FakePciBus::blockDevicesUnder(const std::string& devpath) const {
  for (const auto& [name, device] : devices_) {
    if (device.devpath == devpath && !device.driver.empty()) return blocks_.at(name);
  }
  return std::vector<std::string>{};
}

}  // namespace mamori::drivers::fake
