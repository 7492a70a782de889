#pragma once
// One way files leave the PC beside USB (card readers, PCIe storage, optical drives, Thunderbolt), as
// DeviceControl drives it: the same policy section, the same uevents, the same temporary exceptions.

#include "agent/device/ChannelExceptions.h"
#include "drivers/include/Uevent.h"
#include "policy/DeviceControlSettings.h"

namespace mamori::agent::device {

class DeviceChannel {
 public:
  virtual ~DeviceChannel() = default;

  virtual void apply(const policy::DeviceControlSettings& settings) = 0;
  virtual void handleUevent(const drivers::Uevent& event) = 0;
  // Where the channel asks about temporary exceptions; null (the default): none.
  virtual void setExceptions(ChannelExceptions* exceptions) = 0;
  // A grant for this device began or ended: the present devices it names are decided again.
  virtual void decideAgain(const DeviceIdentity& device) = 0;
  // The uevent socket overran and uevents were lost: what the channel keeps of the devices' state
  // is rebuilt from what the kernel shows now. Nothing by default.
  virtual void uneventsLost() {}
  // The USB devices present were decided (at every apply): a stick blocked at start has lost its disk
  // by now, and a channel whose rules follow device nodes drops those of nodes gone meanwhile, before
  // their remove uevents are read (the agent's start can take a second). Nothing by default.
  virtual void usbDecided() {}
};

}  // namespace mamori::agent::device
