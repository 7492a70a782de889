#pragma once
// What the channels with rules on whole majors of the device gate share (PCIe storage: blkext and
// the nvme char majors; hot-plugged disks: the sd majors, sg and bsg): device numbers in text and
// from uevents, the char majors the kernel registered under a name, and the majors' deny rules.

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "drivers/include/DeviceAccessGate.h"
#include "drivers/include/StorageNodes.h"
#include "drivers/include/Uevent.h"

namespace mamori::agent::device {

// "b 8:16", "c 21:*" for a whole major.
std::string numberText(const drivers::DeviceNumber& number);
// A device node's number from its uevent (MAJOR, MINOR; block when the subsystem is "block").
std::optional<drivers::DeviceNumber> ueventNumber(const drivers::Uevent& event);
// The char majors registered now under these names (/proc/devices), as whole-major numbers.
std::vector<drivers::DeviceNumber> charMajorsNamed(const drivers::StorageNodes& nodes,
                                                   std::initializer_list<const char*> names);
// Those of found that are not among gated yet.
std::vector<drivers::DeviceNumber> freshMajors(const std::vector<drivers::DeviceNumber>& found,
                                               const std::vector<drivers::DeviceNumber>& gated);
// Whether the number is on one of these majors.
bool onMajor(const std::vector<drivers::DeviceNumber>& majors, const drivers::DeviceNumber& number);
// Each major's deny rule (after its nodes' allow rules); a failure goes to failed. Returns the majors
// denied, and their list for the log in text.
std::vector<drivers::DeviceNumber> denyMajors(drivers::DeviceAccessGate& gate,
                                              const std::vector<drivers::DeviceNumber>& majors,
                                              const std::function<void(const std::string&)>& failed, std::string& text);

// The nodes present now on these majors; nullopt (logged under who) when they cannot be listed.
std::optional<std::vector<drivers::StorageNode>> nodesPresentOn(const drivers::StorageNodes& nodes,
                                                                const std::vector<drivers::DeviceNumber>& majors,
                                                                const std::string& who);
// Lifts a channel's rules: its majors' first (nothing is refused meanwhile), then those of its numbers
// (the keys of allowed); both emptied.
template <typename NumberMap>
void liftRules(drivers::DeviceAccessGate& gate, std::vector<drivers::DeviceNumber>& majors, NumberMap& allowed) {
  for (const auto& major : majors) (void)gate.clear(major);
  for (const auto& entry : allowed) (void)gate.clear(entry.first);
  majors.clear();
  allowed.clear();
}

}  // namespace mamori::agent::device
