#pragma once
// An in-memory USB bus for unit tests: starts from a recorded sysfs tree (tests/fixtures/sysfs/...),
// records every write, and behaves like the kernel where the agent relies on it: authorizing a device
// configures it (its interfaces appear, authorized as the bus's interface_authorized_default says),
// deauthorizing it removes its interfaces and block devices.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "drivers/include/UsbBus.h"

namespace mamori::drivers::fake {

class FakeUsbBus final : public UsbBus {
 public:
  FakeUsbBus() = default;
  // Reads every device of the tree once; an unreadable tree is a broken test (aborts).
  static FakeUsbBus fromSysfsTree(const std::string& sysfsRoot);

  // Test controls.
  void plug(UsbDevice device);  // arrives as the kernel would: authorized per the bus default
  void unplug(const std::string& name);
  void addBlockDevice(const std::string& deviceName, const std::string& blockName);
  bool authorizedDefault(const std::string& rootHub) const { return authorizedDefault_.at(rootHub); }
  bool interfaceAuthorizedDefault(const std::string& rootHub) const { return interfaceDefault_.at(rootHub); }
  const UsbDevice& at(const std::string& name) const { return devices_.at(name); }
  const std::vector<std::string>& writes() const { return writes_; }
  void failWrites(bool fail) { failWrites_ = fail; }
  // What readInterfaceDetails finds on the device: its strings by index (an index not listed is
  // not delivered) and its Microsoft OS descriptor.
  struct DeviceStrings {
    std::map<std::uint8_t, std::string> strings;
    UsbMsOsState msOs = UsbMsOsState::kAbsent;
    std::vector<UsbMsOsFunction> msOsFunctions;
  };
  void setDeviceStrings(const std::string& name, DeviceStrings strings) { strings_[name] = std::move(strings); }
  int detailReads() const { return detailReads_; }
  // The interfaces the kernel configures when the device is authorized, where they are not the ones
  // it showed unconfigured (a multi-configuration device whose chosen configuration was mispredicted).
  void configuresAs(const std::string& name, std::vector<UsbInterface> interfaces) {
    configuresAs_[name] = std::move(interfaces);
  }

  bool present() const override { return !authorizedDefault_.empty(); }
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<UsbDevice> device(const std::string& name) const override;
  void readInterfaceDetails(UsbDevice& device) const override;
  common::Status setAuthorizedDefault(const std::string& rootHub, bool authorized) override;
  common::Status setInterfaceAuthorizedDefault(const std::string& rootHub, bool authorized) override;
  common::Status setNewControllersAuthorized(bool authorized) override {
    return record(std::string("new_controllers_authorized ") + (authorized ? "1" : "0"));
  }
  common::Status setDeviceAuthorized(const std::string& name, bool authorized) override;
  common::Status setInterfaceAuthorized(const std::string& interfaceName, bool authorized) override;
  common::Status probeInterface(const std::string& interfaceName) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  static std::string rootHubOf(const std::string& name);
  common::Status record(std::string write);

  std::map<std::string, UsbDevice> devices_;
  std::map<std::string, bool> authorizedDefault_;
  std::map<std::string, bool> interfaceDefault_;
  std::map<std::string, std::string> blockOwner_;  // block name -> USB device name
  std::vector<std::string> writes_;
  bool failWrites_ = false;
  std::map<std::string, DeviceStrings> strings_;
  mutable int detailReads_ = 0;
  std::map<std::string, std::vector<UsbInterface>> configuresAs_;
};

// Records which block devices are read-only.
class FakeBlockDevices final : public BlockDevices {
 public:
  common::Status setReadOnly(const std::string& kernelName) override {
    readOnly.insert(kernelName);
    return common::Ok{};
  }
  common::Status setWritable(const std::string& kernelName) override {
    readOnly.erase(kernelName);
    return common::Ok{};
  }
  std::set<std::string> readOnly;
};

}  // namespace mamori::drivers::fake
