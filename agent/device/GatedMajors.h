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
#include "policy/DeviceControlSettings.h"

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
// Whether the whole-major gate is wanted: the policy blocks pcie_storage in enforce.
bool majorsGateWanted(const policy::DeviceControlSettings& settings);
// Logs an open the gate refused on a gated major, under who: "refused reading /dev/sdb (b 8:16) for
// CMD (pid N)"; node: "/dev/NAME", "" when unknown.
void logRefusedOpen(const std::string& who, const drivers::RefusedOpen& open, const std::string& node);
// Logs the majors just denied (denied: their list in text) with how many numbers (what) have allow rules.
void logMajorsDenied(const std::string& who, const std::string& denied, std::size_t allowed, const std::string& what);
// Each major's deny rule (after its nodes' allow rules); a failure goes to failed. Returns the majors
// denied, and their list for the log in text.
std::vector<drivers::DeviceNumber> denyMajors(drivers::DeviceAccessGate& gate,
                                              const std::vector<drivers::DeviceNumber>& majors,
                                              const std::function<void(const std::string&)>& failed, std::string& text);

// The nodes present now on these majors; nullopt (logged under who) when they cannot be listed.
std::optional<std::vector<drivers::StorageNode>> nodesPresentOn(const drivers::StorageNodes& nodes,
                                                                const std::vector<drivers::DeviceNumber>& majors,
                                                                const std::string& who);
// "WHO: the device gate's WHAT rules are lifted".
void logRulesLifted(const std::string& who, const std::string& what);
// Lifts a gated channel's rules: its majors' first (nothing is refused meanwhile), then those of its
// numbers (the keys of allowed); both emptied, gated false, and the lift logged under who (what: the
// kind of rules). Nothing when not gated.
template <typename NumberMap>
void liftRules(drivers::DeviceAccessGate& gate, std::vector<drivers::DeviceNumber>& majors, NumberMap& allowed,
               bool& gated, const std::string& who, const std::string& what) {
  if (!gated) return;
  for (const auto& major : majors) (void)gate.clear(major);
  for (const auto& entry : allowed) (void)gate.clear(entry.first);
  majors.clear();
  allowed.clear();
  gated = false;
  logRulesLifted(who, what);
}

}  // namespace mamori::agent::device
