#pragma once
// An in-memory PCI bus for unit tests: starts from a recorded sysfs tree, records every write, and
// behaves like the kernel where the agent relies on it: a hot-plugged device is bound at once
// (drivers_autoprobe does not hold PCI back) unless its driver_override names another driver; unbind
// takes its block devices away.

#include <map>
#include <string>
#include <vector>

#include "drivers/include/PciBus.h"

namespace mamori::drivers::fake {

class FakePciBus final : public PciBus {
 public:
  // Reads every device of the tree once (none when it has no PCI bus); an unreadable tree aborts.
  static FakePciBus fromSysfsTree(const std::string& sysfsRoot);

  // The kernel adds the device; `driver` binds it now unless an override is already set.
  void hotPlug(PciDevice device, const std::string& driver, std::vector<std::string> blocks);
  // The device's driver binds it now (as device_attach racing with the agent's override would).
  void bindNow(const std::string& name, const std::string& driver);
  void remove(const std::string& name) { devices_.erase(name); }
  const PciDevice& at(const std::string& name) const { return devices_.at(name); }
  const std::vector<std::string>& writes() const { return writes_; }

  bool present() const override { return present_; }
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<PciDevice> device(const std::string& name) const override;
  common::Status setDriverOverride(const std::string& name, const std::string& driver) override;
  common::Status unbind(const std::string& name) override;
  common::Status probe(const std::string& name) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  bool present_ = false;
  std::map<std::string, PciDevice> devices_;
  std::map<std::string, std::string> drivers_;              // device -> the driver that matches it
  std::map<std::string, std::vector<std::string>> blocks_;  // device -> its block devices when bound
  std::vector<std::string> writes_;
};

}  // namespace mamori::drivers::fake
