#include "agent/device/CardReaderControl.h"

#include <cstdlib>

#include "agent/device/DeviceEvents.h"
#include "agent/device/ReadOnlyBlocks.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

Poco::JSON::Object::Ptr CardReaderControl::describe(const drivers::MmcCard& card) const {
  return busDetails("mmc", "card_readers",
                    {{"mmc.type", card.type},
                     {"mmc.cid", card.cid},
                     {"mmc.serial", card.serial},
                     {"mmc.manfid", card.manfid},
                     {"mmc.oemid", card.oemid},
                     {"mmc.name", card.productName},
                     {"mmc.port", card.devpath},
                     {"mmc.kernel_name", card.name}});
}

ChannelDevice CardReaderControl::identify(const drivers::MmcCard& card) const {
  const auto id = [](const std::string& hex) {
    return static_cast<std::uint16_t>(std::strtoul(hex.c_str(), nullptr, 16) & 0xffffU);  // "0x000003"; bad: 0
  };
  const std::string name = card.productName.empty() ? std::string("SD card") : "SD card " + card.productName;
  return {{id(card.manfid), id(card.oemid), card.cid, "card_readers"}, card.name, name + " (CID " + card.cid + ")"};
}

CardReaderControl::CardReaderControl(drivers::MmcBus& bus, drivers::BlockDevices& blocks, EventSink& sink)
    : ChannelControl(bus, sink, "card readers"), blocks_(blocks) {}

void CardReaderControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  applied_ = true;
  autoprobeSet_ = false;
  if (!bus_.present()) return;  // mmc_core may load later: the first mmc uevent sets it up then
  setAutoprobe();
  const auto names = presentNames();
  for (const auto& name : names ? *names : std::vector<std::string>{}) decide(name, true);
}

void CardReaderControl::setAutoprobe() {
  // Enforce: a card inserted from now on waits for a decision. Audit and off: the kernel's default.
  if (auto set = bus_.setAutoprobe(settings_.mode != policy::Mode::kEnforce); !set) {
    common::log::error("card readers: " + set.error().describe());
  }
  autoprobeSet_ = true;
}

void CardReaderControl::handleUevent(const drivers::Uevent& event) {
  if (!applied_) return;
  if (event.subsystem == "mmc") {
    if (event.action == "add" && !autoprobeSet_) setAutoprobe();  // the bus appeared after apply
    if (event.action == "add") decide(event.kernelName(), false);
    if (event.action == "remove") {
      readOnly_.erase(event.devpath);
      reporter_.forget(event.kernelName());
    }
    return;
  }
  protectNewBlockDevice(readOnly_, event, blocks_, "card readers");
}

std::optional<ChannelVerdict> CardReaderControl::judge(const drivers::MmcCard& card, bool /*atStart*/) {
  ChannelVerdict verdict = channelVerdict(policy::evaluateMmcCard(settings_, {card.type, card.cid}));
  // eMMC (often the system disk) and SDIO are bound as the kernel would, without a word.
  const bool controlled = card.type == "SD" || card.type == "SDcombo";
  verdict.reported = settings_.mode != policy::Mode::kOff && controlled;
  return verdict;
}

drivers::MmcCard CardReaderControl::enforce(const drivers::MmcCard& card, const ChannelVerdict& verdict,
                                            Poco::JSON::Object& /*fields*/) {
  if (verdict.decision == CardDecision::kBlock) {
    readOnly_.erase(card.devpath);
    if (card.bound) {
      if (auto done = bus_.unbind(card.name); !done) failed(card, done.error().describe());
    }
    return card;
  }
  if (verdict.decision == CardDecision::kReadOnly) {
    readOnly_[card.devpath] = card.name;  // before binding: its block uevents follow
  } else {
    readOnly_.erase(card.devpath);
  }
  if (!card.bound) {
    if (auto done = bus_.bind(card.name); !done) failed(card, done.error().describe());
  } else if (verdict.decision == CardDecision::kReadOnly) {
    auto blocks = bus_.blockDevicesUnder(card.devpath);  // bound before the agent started
    for (const auto& block : blocks ? blocks.value() : std::vector<std::string>{}) {
      if (auto done = blocks_.setReadOnly(block); !done) failed(card, done.error().describe());
    }
  }
  return card;
}

}  // namespace mamori::agent::device
