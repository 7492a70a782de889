#pragma once
// Block devices of devices allowed read-only (USB sticks, SD cards): each gets BLKROSET as its
// block add uevent arrives, before anyone can mount it.

#include <map>
#include <string>

#include "drivers/include/Uevent.h"
#include "drivers/include/UsbBus.h"

namespace mamori::agent::device {

// readOnly: sysfs devpath -> kernel name of every device allowed read-only. A block add uevent below
// one of them makes that block device read-only; logs under `who` ("device control", "card readers").
void protectNewBlockDevice(const std::map<std::string, std::string>& readOnly, const drivers::Uevent& event,
                           drivers::BlockDevices& blocks, const std::string& who);

}  // namespace mamori::agent::device
