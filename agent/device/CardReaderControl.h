#pragma once
// Memory cards in readers that are not USB devices (PCI SDHCI, rtsx_pci): decided when the card
// appears on the kernel's mmc bus, before its block device exists. In enforce mode the bus's
// drivers_autoprobe is 0, so an inserted card gets no driver (mmcblk) and no mmcblkN until this
// class binds it; it stays 0 when the agent stops (fail closed, like USB's authorized_default).
// The decision is policy::evaluateMmcCard; this class carries it out and reports it. USB card
// readers are USB mass storage and are decided by DeviceControl.

#include <Poco/JSON/Object.h>

#include <map>
#include <string>

#include "agent/device/ChannelControl.h"
#include "drivers/include/MmcBus.h"
#include "drivers/include/Uevent.h"
#include "drivers/include/UsbBus.h"
#include "policy/CardEvaluator.h"

namespace mamori::agent::device {

class CardReaderControl final : public ChannelControl<drivers::MmcBus, drivers::MmcCard> {
 public:
  CardReaderControl(drivers::MmcBus& bus, drivers::BlockDevices& blocks, EventSink& sink);

  // Autoprobe for the mode (0 in enforce), then every present card decided again. Without an mmc
  // bus (mmc_core not loaded yet) that waits for the first mmc uevent.
  void apply(const policy::DeviceControlSettings& settings) override;
  // mmc add -> decide; block add below a read-only card -> BLKROSET.
  void handleUevent(const drivers::Uevent& event) override;

 private:
  // The fields of every card event (docs/events.md, "Card readers").
  Poco::JSON::Object::Ptr describe(const drivers::MmcCard& device) const override;
  // By its CID (manfid and oemid in the challenge).
  ChannelDevice identify(const drivers::MmcCard& card) const override;
  std::optional<ChannelVerdict> judge(const drivers::MmcCard& card, bool atStart) override;
  drivers::MmcCard enforce(const drivers::MmcCard& card, const ChannelVerdict& verdict,
                           Poco::JSON::Object& fields) override;
  void setAutoprobe();

  drivers::BlockDevices& blocks_;
  bool autoprobeSet_ = false;
  std::map<std::string, std::string> readOnly_;  // devpath -> card name
};

}  // namespace mamori::agent::device
