#include "agent/device/ReadOnlyBlocks.h"

#include "common/Log.h"

namespace mamori::agent::device {

void protectNewBlockDevice(const std::map<std::string, std::string>& readOnly, const drivers::Uevent& event,
                           drivers::BlockDevices& blocks, const std::string& who) {
  if (event.subsystem != "block" || event.action != "add") return;
  for (const auto& [devpath, device] : readOnly) {
    if (event.devpath.compare(0, devpath.size() + 1, devpath + "/") != 0) continue;
    const std::string block = event.kernelName();
    if (auto done = blocks.setReadOnly(block); !done) {
      common::log::error(who + ": read-only " + block + " of " + device + ": " + done.error().describe());
    } else {
      common::log::info(who + ": " + block + " of " + device + " is read-only");
    }
  }
}

}  // namespace mamori::agent::device
