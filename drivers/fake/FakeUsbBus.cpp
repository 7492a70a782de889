#include "drivers/fake/FakeUsbBus.h"

#include <algorithm>

#include "drivers/fake/RecordedDevices.h"
#include "drivers/linux/LinuxUsbBus.h"

namespace mamori::drivers::fake {

FakeUsbBus FakeUsbBus::fromSysfsTree(const std::string& sysfsRoot) {
  linux_os::LinuxUsbBus reader(sysfsRoot);
  FakeUsbBus bus;
  bus.devices_ = readRecordedDevices([&] { return reader.deviceNames(); },
                                     [&](const std::string& name) { return reader.device(name); });
  for (const auto& [name, device] : bus.devices_) {
    if (device.rootHub) {
      const std::string dir = sysfsRoot + "/bus/usb/devices/" + name;
      bus.authorizedDefault_[name] = linux_os::readSysfsAttribute(dir + "/authorized_default").value() != "0";
      bus.interfaceDefault_[name] = linux_os::readSysfsAttribute(dir + "/interface_authorized_default").value() != "0";
    }
    auto blocks = reader.blockDevicesUnder(device.devpath);
    MAMORI_ASSERT(blocks.ok());
    // The device that owns a block device is the deepest one; a root hub owns none.
    if (!device.rootHub) {
      for (const auto& block : blocks.value()) bus.blockOwner_[block] = name;
    }
  }
  return bus;
}

std::string FakeUsbBus::rootHubOf(const std::string& name) {
  if (name.rfind("usb", 0) == 0) return name;
  return "usb" + name.substr(0, name.find('-'));
}

common::Status FakeUsbBus::record(std::string write) {
  if (failWrites_) return common::makeError("write refused (test)", write, 1);
  writes_.push_back(std::move(write));
  return common::Ok{};
}

void FakeUsbBus::plug(UsbDevice device) {
  const std::string hub = rootHubOf(device.name);
  device.authorized = authorizedDefault_.at(hub);
  device.configured = device.authorized;
  for (auto& interface : device.interfaces) {
    interface.name = device.configured ? device.name + ":1." + std::to_string(interface.number) : "";
    interface.authorized = device.configured && interfaceDefault_.at(hub);
  }
  devices_[device.name] = std::move(device);
}

void FakeUsbBus::unplug(const std::string& name) {
  devices_.erase(name);
  std::erase_if(blockOwner_, [&](const auto& entry) { return entry.second == name; });
}

void FakeUsbBus::addBlockDevice(const std::string& deviceName, const std::string& blockName) {
  blockOwner_[blockName] = deviceName;
}

common::Result<std::vector<std::string>> FakeUsbBus::deviceNames() const { return namesOf(devices_); }

common::Result<UsbDevice> FakeUsbBus::device(const std::string& name) const {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such USB device", name, 2);
  return it->second;
}

void FakeUsbBus::readInterfaceDetails(UsbDevice& device) const {
  ++detailReads_;
  const auto it = strings_.find(device.name);
  for (auto& interface : device.interfaces) {
    if (interface.stringIndex == 0 || !interface.label.empty()) continue;
    const bool known = it != strings_.end() && it->second.strings.count(interface.stringIndex) > 0;
    interface.labelUnreadable = !known;
    if (known) interface.label = it->second.strings.at(interface.stringIndex);
  }
  device.msOs = it != strings_.end() ? it->second.msOs : UsbMsOsState::kAbsent;
  if (it != strings_.end()) device.msOsFunctions = it->second.msOsFunctions;
}

common::Status FakeUsbBus::setAuthorizedDefault(const std::string& rootHub, bool authorized) {
  if (auto ok = record("authorized_default " + rootHub + " " + (authorized ? "1" : "0")); !ok) return ok;
  authorizedDefault_[rootHub] = authorized;
  return common::Ok{};
}

common::Status FakeUsbBus::setInterfaceAuthorizedDefault(const std::string& rootHub, bool authorized) {
  if (auto ok = record("interface_authorized_default " + rootHub + " " + (authorized ? "1" : "0")); !ok) return ok;
  interfaceDefault_[rootHub] = authorized;
  return common::Ok{};
}

common::Status FakeUsbBus::setDeviceAuthorized(const std::string& name, bool authorized) {
  const auto it = devices_.find(name);
  if (it == devices_.end()) return common::makeError("no such USB device", name, 2);
  if (auto ok = record("authorized " + name + " " + (authorized ? "1" : "0")); !ok) return ok;
  UsbDevice& device = it->second;
  if (authorized && !device.authorized) {
    device.configured = true;
    if (const auto other = configuresAs_.find(name); other != configuresAs_.end()) device.interfaces = other->second;
    for (auto& interface : device.interfaces) {
      interface.name = name + ":1." + std::to_string(interface.number);
      interface.authorized = interfaceDefault_.at(rootHubOf(name));
    }
  } else if (!authorized) {
    device.configured = false;
    for (auto& interface : device.interfaces) {
      interface.name.clear();
      interface.authorized = false;
    }
    std::erase_if(blockOwner_, [&](const auto& entry) { return entry.second == name; });
  }
  device.authorized = authorized;
  return common::Ok{};
}

common::Status FakeUsbBus::setInterfaceAuthorized(const std::string& interfaceName, bool authorized) {
  const std::string deviceName = interfaceName.substr(0, interfaceName.find(':'));
  const auto it = devices_.find(deviceName);
  if (it == devices_.end()) return common::makeError("no such USB interface", interfaceName, 2);
  auto& interfaces = it->second.interfaces;
  const auto found = std::find_if(interfaces.begin(), interfaces.end(),
                                  [&](const UsbInterface& i) { return i.name == interfaceName; });
  if (found == interfaces.end()) return common::makeError("no such USB interface", interfaceName, 2);
  if (auto ok = record("interface_authorized " + interfaceName + " " + (authorized ? "1" : "0")); !ok) return ok;
  found->authorized = authorized;
  return common::Ok{};
}

common::Status FakeUsbBus::probeInterface(const std::string& interfaceName) { return record("probe " + interfaceName); }

common::Result<std::vector<std::string>> FakeUsbBus::blockDevicesUnder(const std::string& devpath) const {
  std::vector<std::string> names;
  for (const auto& [block, owner] : blockOwner_) {
    const auto it = devices_.find(owner);
    if (it != devices_.end() && it->second.devpath == devpath) names.push_back(block);
  }
  return names;
}

}  // namespace mamori::drivers::fake
