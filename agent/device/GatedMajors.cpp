#include "agent/device/GatedMajors.h"

#include <algorithm>

#include "common/Log.h"

namespace mamori::agent::device {

std::string numberText(const drivers::DeviceNumber& number) {
  return std::string(number.block ? "b " : "c ") + std::to_string(number.major) + ":" +
         (number.minor == drivers::kAnyMinor ? std::string("*") : std::to_string(number.minor));
}

std::optional<drivers::DeviceNumber> ueventNumber(const drivers::Uevent& event) {
  const auto major = event.vars.find("MAJOR");
  const auto minor = event.vars.find("MINOR");
  if (major == event.vars.end() || minor == event.vars.end()) return std::nullopt;
  try {
    return drivers::DeviceNumber{event.subsystem == "block", static_cast<std::uint32_t>(std::stoul(major->second)),
                                 static_cast<std::uint32_t>(std::stoul(minor->second))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<drivers::DeviceNumber> charMajorsNamed(const drivers::StorageNodes& nodes,
                                                   std::initializer_list<const char*> names) {
  std::vector<drivers::DeviceNumber> found;
  auto chars = nodes.majors(false);
  if (!chars) return found;
  for (const char* name : names) {
    const auto major = chars.value().find(name);
    if (major != chars.value().end()) found.push_back({false, major->second, drivers::kAnyMinor});
  }
  return found;
}

std::vector<drivers::DeviceNumber> freshMajors(const std::vector<drivers::DeviceNumber>& found,
                                               const std::vector<drivers::DeviceNumber>& gated) {
  std::vector<drivers::DeviceNumber> fresh;
  for (const auto& major : found) {
    if (std::find(gated.begin(), gated.end(), major) == gated.end()) fresh.push_back(major);
  }
  return fresh;
}

bool onMajor(const std::vector<drivers::DeviceNumber>& majors, const drivers::DeviceNumber& number) {
  return std::any_of(majors.begin(), majors.end(), [&](const drivers::DeviceNumber& major) {
    return major.block == number.block && major.major == number.major;
  });
}

bool majorsGateWanted(const policy::DeviceControlSettings& settings) {
  return settings.mode == policy::Mode::kEnforce && settings.pcieStorage == policy::ChannelAction::kBlock;
}

void logRefusedOpen(const std::string& who, const drivers::RefusedOpen& open, const std::string& node) {
  common::log::info(who + ": refused " + std::string(open.wantedWrite ? "writing to " : "reading ") +
                    (node.empty() ? numberText(open.device) : node + " (" + numberText(open.device) + ")") + " for " +
                    (open.command.empty() ? std::string("?") : open.command) + " (pid " + std::to_string(open.pid) +
                    ")");
}

void logMajorsDenied(const std::string& who, const std::string& denied, std::size_t allowed, const std::string& what) {
  common::log::info(who + ": opens of " + denied + " refused unless allowed (" + std::to_string(allowed) + " " + what +
                    " allowed)");
}

void logRulesLifted(const std::string& who, const std::string& what) {
  common::log::info(who + ": the device gate's " + what + " rules are lifted");
}

std::vector<drivers::DeviceNumber> denyMajors(drivers::DeviceAccessGate& gate,
                                              const std::vector<drivers::DeviceNumber>& majors,
                                              const std::function<void(const std::string&)>& failed,
                                              std::string& text) {
  std::vector<drivers::DeviceNumber> denied;
  for (const auto& major : majors) {
    if (auto done = gate.set(major, drivers::DeviceAccess::kNone); !done) {
      failed(numberText(major) + ": " + done.error().describe());
      continue;
    }
    denied.push_back(major);
    text += (text.empty() ? "" : ", ") + numberText(major);
  }
  return denied;
}

std::optional<std::vector<drivers::StorageNode>> nodesPresentOn(const drivers::StorageNodes& nodes,
                                                                const std::vector<drivers::DeviceNumber>& majors,
                                                                const std::string& who) {
  auto present = nodes.nodesOn(majors);
  if (!present) {
    common::log::error(who + ": " + present.error().describe());
    return std::nullopt;
  }
  return std::move(present).value();
}

}  // namespace mamori::agent::device
