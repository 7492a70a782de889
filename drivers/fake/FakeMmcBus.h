#pragma once
// An in-memory mmc bus for unit tests: starts from a recorded sysfs tree, records every write, and
// behaves like the kernel where the agent relies on it: with autoprobe off an inserted card stays
// unbound; bind gives it its block devices, unbind takes them away.

#include <map>
#include <string>
#include <vector>

#include "drivers/include/MmcBus.h"

namespace mamori::drivers::fake {

class FakeMmcBus final : public MmcBus {
 public:
  // Reads every card of the tree once (none when it has no mmc bus); an unreadable tree aborts.
  static FakeMmcBus fromSysfsTree(const std::string& sysfsRoot);

  void insert(MmcCard card, std::vector<std::string> blocks);  // bound when autoprobe is on
  bool autoprobe() const { return autoprobe_; }
  const MmcCard& at(const std::string& name) const { return cards_.at(name); }
  const std::vector<std::string>& writes() const { return writes_; }

  bool present() const override { return present_; }
  common::Status setAutoprobe(bool on) override;
  common::Result<std::vector<std::string>> cardNames() const override;
  common::Result<MmcCard> card(const std::string& name) const override;
  common::Status bind(const std::string& name) override;
  common::Status unbind(const std::string& name) override;
  common::Result<std::vector<std::string>> blockDevicesUnder(const std::string& devpath) const override;

 private:
  bool present_ = false;
  bool autoprobe_ = true;
  std::map<std::string, MmcCard> cards_;
  std::map<std::string, std::vector<std::string>> blocks_;  // card -> its block devices when bound
  std::vector<std::string> writes_;
};

}  // namespace mamori::drivers::fake
