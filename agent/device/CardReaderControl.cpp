#include "agent/device/CardReaderControl.h"

#include "agent/device/ReadOnlyBlocks.h"
#include "agent/report/EventFactory.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

Poco::JSON::Object::Ptr cardDetails(const drivers::MmcCard& card) {
  auto details = makeDetails();
  details->set("device.bus", std::string("mmc"));
  details->set("device.channel", std::string("card_readers"));
  details->set("mmc.type", card.type);
  details->set("mmc.cid", card.cid);
  details->set("mmc.serial", card.serial);
  details->set("mmc.manfid", card.manfid);
  details->set("mmc.oemid", card.oemid);
  details->set("mmc.name", card.productName);
  details->set("mmc.port", card.devpath);
  details->set("mmc.kernel_name", card.name);
  return details;
}

CardReaderControl::CardReaderControl(drivers::MmcBus& bus, drivers::BlockDevices& blocks, EventSink& sink)
    : bus_(bus), blocks_(blocks), sink_(sink) {}

void CardReaderControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  applied_ = true;
  autoprobeSet_ = false;
  if (!bus_.present()) return;  // mmc_core may load later: the first mmc uevent sets it up then
  setAutoprobe();
  auto names = bus_.cardNames();
  if (!names) {
    common::log::error("card readers: " + names.error().describe());
    return;
  }
  for (const auto& name : names.value()) decide(name, true);
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
    if (event.action == "remove") readOnly_.erase(event.devpath);
    return;
  }
  protectNewBlockDevice(readOnly_, event, blocks_, "card readers");
}

void CardReaderControl::decide(const std::string& name, bool atStart) {
  auto found = bus_.card(name);
  if (!found) {
    common::log::warning("card readers: " + found.error().describe());  // removed before we looked
    return;
  }
  const drivers::MmcCard& card = found.value();
  const policy::CardVerdict verdict = policy::evaluateMmcCard(settings_, {card.type, card.cid});
  const bool controlled = card.type == "SD" || card.type == "SDcombo";
  if (settings_.mode != policy::Mode::kOff && controlled) {
    auto connected = cardDetails(card);
    connected->set("device.attached_at_start", atStart);
    sink_.report("device.connected", common::Severity::Info, connected);
  }
  if (verdict.decision == CardDecision::kBlock) {
    readOnly_.erase(card.devpath);
    if (card.bound) {
      if (auto done = bus_.unbind(card.name); !done) failed(card, done.error().describe());
    }
  } else {
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
  }
  if (settings_.mode == policy::Mode::kOff || !controlled) return;
  auto details = cardDetails(card);
  details->set("device.decision", std::string(policy::cardDecisionName(verdict.decided)));
  details->set("device.enforced", std::string(policy::cardDecisionName(verdict.decision)));
  details->set("device.reason", verdict.reason);
  details->set("device.allow_entry", static_cast<std::int64_t>(verdict.allowEntry));
  details->set("policy.mode", std::string(policy::modeName(settings_.mode)));
  if (verdict.audit) {
    sink_.report("device.audit", common::Severity::Low, details);
  } else if (verdict.decision == CardDecision::kBlock) {
    sink_.report("device.blocked", common::Severity::Medium, details);
  } else if (verdict.decision == CardDecision::kReadOnly) {
    sink_.report("device.read_only", common::Severity::Info, details);
  } else {
    sink_.report("device.allowed", common::Severity::Info, details);
  }
}

void CardReaderControl::failed(const drivers::MmcCard& card, const std::string& what) {
  common::log::error("card readers: " + card.name + ": " + what);
  auto details = cardDetails(card);
  details->set("error.message", what);
  sink_.report("device.error", common::Severity::High, details);
}

}  // namespace mamori::agent::device
