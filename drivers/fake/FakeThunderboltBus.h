#pragma once
// An in-memory thunderbolt bus for tests: starts from a recorded sysfs tree (or none), records every
// write, and behaves like the kernel where the agent relies on it: a plugged device waits
// unauthorized at levels user and secure (the kernel authorizes it itself at none); a key can be
// written only where the domain is at secure (elsewhere the `key` file does not exist); writing
// `authorized` that does not change it is EINVAL (tb_switch_set_authorized), and so is 0 where the
// domain cannot deauthorize.

#include <map>
#include <string>
#include <vector>

#include "drivers/include/ThunderboltBus.h"

namespace mamori::drivers::fake {

class FakeThunderboltBus final : public ThunderboltBus {
 public:
  // Reads every device of the tree once (none, and no bus, when it has no thunderbolt bus); an
  // unreadable tree aborts.
  static FakeThunderboltBus fromSysfsTree(const std::string& sysfsRoot);

  // The kernel adds the device (and the bus, if it had none): authorized at once at level none.
  void plug(ThunderboltDevice device);
  void unplug(const std::string& name) { devices_.erase(name); }
  const ThunderboltDevice& at(const std::string& name) const { return devices_.at(name); }
  // "key 0-1 <64 hex>", "authorized 0-1 2", in order.
  const std::vector<std::string>& writes() const { return writes_; }

  bool present() const override { return present_; }
  common::Result<std::vector<std::string>> deviceNames() const override;
  common::Result<ThunderboltDevice> device(const std::string& name) const override;
  common::Status authorize(const std::string& name, const std::string& key, bool challenge) override;
  common::Status deauthorize(const std::string& name) override;

 private:
  bool present_ = false;
  std::map<std::string, ThunderboltDevice> devices_;
  std::vector<std::string> writes_;
};

}  // namespace mamori::drivers::fake
