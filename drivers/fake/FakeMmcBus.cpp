#include "drivers/fake/FakeMmcBus.h"

#include "drivers/fake/RecordedDevices.h"
#include "drivers/linux/LinuxMmcBus.h"

namespace mamori::drivers::fake {

FakeMmcBus FakeMmcBus::fromSysfsTree(const std::string& sysfsRoot) {
  linux_os::LinuxMmcBus reader(sysfsRoot);
  FakeMmcBus bus;
  bus.present_ = reader.present();
  if (!bus.present_) return bus;
  bus.cards_ = readRecordedDevices([&] { return reader.cardNames(); },
                                   [&](const std::string& name) { return reader.card(name); });
  for (const auto& [name, card] : bus.cards_) {
    auto blocks = reader.blockDevicesUnder(card.devpath);
    MAMORI_ASSERT(blocks.ok());
    bus.blocks_[name] = blocks.value();
  }
  return bus;
}

void FakeMmcBus::insert(MmcCard card, std::vector<std::string> blocks) {
  present_ = true;
  card.bound = autoprobe_;
  blocks_[card.name] = std::move(blocks);
  cards_[card.name] = std::move(card);
}

common::Status FakeMmcBus::setAutoprobe(bool on) {
  writes_.push_back(std::string("drivers_autoprobe ") + (on ? "1" : "0"));
  autoprobe_ = on;
  return common::Ok{};
}

common::Result<std::vector<std::string>> FakeMmcBus::cardNames() const { return namesOf(cards_); }

common::Result<MmcCard> FakeMmcBus::card(const std::string& name) const {
  const auto it = cards_.find(name);
  if (it == cards_.end()) return common::makeError("no such mmc card", name, 2);
  return it->second;
}

common::Status FakeMmcBus::bind(const std::string& name) {
  const auto it = cards_.find(name);
  if (it == cards_.end()) return common::makeError("no such mmc card", name, 2);
  writes_.push_back("bind " + name);
  it->second.bound = true;
  return common::Ok{};
}

common::Status FakeMmcBus::unbind(const std::string& name) {
  const auto it = cards_.find(name);
  if (it == cards_.end()) return common::makeError("no such mmc card", name, 2);
  writes_.push_back("unbind " + name);
  it->second.bound = false;
  return common::Ok{};
}

common::Result<std::vector<std::string>> FakeMmcBus::blockDevicesUnder(const std::string& devpath) const {
  for (const auto& [name, card] : cards_) {
    if (card.devpath == devpath && card.bound) return blocks_.at(name);
  }
  return std::vector<std::string>{};
}

}  // namespace mamori::drivers::fake
