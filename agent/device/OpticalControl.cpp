#include "agent/device/OpticalControl.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "agent/device/DeviceEvents.h"
#include "agent/device/RefusedOpens.h"
#include "agent/report/EventFactory.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

namespace {

drivers::DeviceAccess accessFor(CardDecision decision) {
  switch (decision) {
    case CardDecision::kAllow: return drivers::DeviceAccess::kAll;
    case CardDecision::kReadOnly: return drivers::DeviceAccess::kReadOnly;
    case CardDecision::kBlock: return drivers::DeviceAccess::kNone;
  }
  return drivers::DeviceAccess::kNone;
}

bool isOpticalNodeEvent(const drivers::Uevent& event) {
  if (event.action != "add" && event.action != "remove") return false;
  if (event.subsystem == "scsi_generic" || event.subsystem == "bsg") return true;
  return event.subsystem == "block" && event.devname.rfind("sr", 0) == 0;
}

}  // namespace

Poco::JSON::Object::Ptr opticalDetails(const drivers::OpticalDrive& drive) {
  Poco::JSON::Array::Ptr nodes = new Poco::JSON::Array;
  for (const auto& node : drive.nodes) nodes->add(node);
  return busDetails("scsi", "optical",
                    {{"optical.vendor", drive.vendor},
                     {"optical.model", drive.model},
                     {"optical.revision", drive.revision},
                     {"optical.address", drive.name},
                     {"optical.block", drive.block},
                     {"optical.nodes", nodes},
                     {"optical.port", drive.devpath}});
}

ChannelDevice opticalIdentity(const drivers::OpticalDrive& drive) {
  return {hashedIdentity(drive.vendor, drive.model, drive.vendor + "/" + drive.model, "optical"), drive.name,
          "disc drive " + drive.vendor + " " + drive.model};
}

OpticalControl::OpticalControl(drivers::OpticalDrives& drives, drivers::BlockDevices& blocks,
                               drivers::DeviceAccessGate& gate, EventSink& sink, UsbReadOnly usbReadOnly)
    : drives_(drives),
      blocks_(blocks),
      sharedGate_(gate),
      sink_(sink),
      reporter_(sink, "optical drives"),
      usbReadOnly_(std::move(usbReadOnly)) {}

void OpticalControl::apply(const policy::DeviceControlSettings& settings) {
  settings_ = settings;
  const bool first = !applied_;
  applied_ = true;
  if (!gate_ && !gateFailed_ && settings_.mode != policy::Mode::kOff) {
    auto started = sharedGate_.start();  // the agent's one gate: started once, whoever asks first
    if (started) {
      gate_ = &sharedGate_;
    } else {
      // Without the gate burning cannot be refused: said once, as an error event.
      gateFailed_ = true;
      failed(nullptr, started.error().describe());
    }
  }
  // Every sr device, also one that appears before the agent has looked at it, gets what the
  // channel gives a drive no allow entry names.
  const auto channel = policy::evaluateOpticalDrive(settings_, {});
  setRule(nullptr, {true, kScsiCdromMajor, drivers::kAnyMinor}, accessFor(channel.decision));
  for (auto& [name, known] : known_) known.reported.clear();  // a new policy: every drive reported again
  refresh(first);
}

void OpticalControl::handleUevent(const drivers::Uevent& event) {
  if (!applied_ || !isOpticalNodeEvent(event)) return;
  refresh(false);
}

void OpticalControl::decideAgain(const DeviceIdentity& device) {
  if (!applied_) return;
  for (auto& [name, known] : known_) {
    if (opticalIdentity(known.drive).identity == device) known.reported.clear();
  }
  refresh(false);
}

void OpticalControl::refresh(bool atStart) {
  auto found = drives_.drives();
  if (!found) {
    common::log::error("optical drives: " + found.error().describe());
    return;
  }
  std::set<std::string> present;
  for (const auto& drive : found.value()) {
    present.insert(drive.name);
    decide(drive, atStart);
  }
  // Drives that went: their numbers' rules go too (an sg or bsg minor is reused by the next SCSI
  // device, a disk as likely as a drive).
  for (auto it = known_.begin(); it != known_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    reporter_.forget(it->first);
    for (const auto& number : it->second.drive.numbers) {
      owners_.erase(number);
      if (gate_ != nullptr) {
        if (auto done = gate_->clear(number); !done) failed(&it->second.drive, done.error().describe());
      }
    }
    it = known_.erase(it);
  }
}

void OpticalControl::decide(const drivers::OpticalDrive& drive, bool atStart) {
  const bool usbReadOnly = usbReadOnly_ && usbReadOnly_(drive.devpath);
  ChannelVerdict verdict =
      channelVerdict(policy::evaluateOpticalDrive(settings_, {drive.vendor, drive.model, usbReadOnly}));
  const ChannelDevice identity = opticalIdentity(drive);
  const auto grant = reporter_.excepted(identity.identity, verdict, settings_.mode);
  // Numbers this drive no longer has (a node that went) lose their rule.
  auto& known = known_[drive.name];
  for (const auto& number : known.drive.numbers) {
    if (std::find(drive.numbers.begin(), drive.numbers.end(), number) != drive.numbers.end()) continue;
    owners_.erase(number);
    if (gate_ != nullptr) (void)gate_->clear(number);
  }
  for (const auto& number : drive.numbers) {
    setRule(&drive, number, accessFor(verdict.decision));
    owners_[number] = drive.name;
  }
  const bool wasReadOnly = known.verdict.decision == CardDecision::kReadOnly && known.drive.block == drive.block;
  known.drive = drive;
  known.verdict = verdict;
  const std::string signature = drive.vendor + "/" + drive.model + "/" + drive.block + "/" +
                                std::to_string(drive.nodes.size()) + "/" +
                                std::string(policy::cardDecisionName(verdict.decision));
  if (known.reported == signature) return;  // nothing new (another SCSI device's uevent)
  known.reported = signature;
  if (verdict.decision == CardDecision::kReadOnly && !drive.block.empty()) {
    if (auto done = blocks_.setReadOnly(drive.block); !done) failed(&drive, done.error().describe());
  } else if (wasReadOnly && verdict.decision == CardDecision::kAllow && !drive.block.empty()) {
    // Allowed now (a grant, a new policy): writable again, so burning through srN works too.
    if (auto done = blocks_.setWritable(drive.block); !done) failed(&drive, done.error().describe());
  }
  if (settings_.mode == policy::Mode::kOff) return;
  reporter_.connected(opticalDetails(drive), atStart);
  auto details = opticalDetails(drive);
  if (gate_ == nullptr) details->set("device.gate", std::string("unavailable"));
  known.challenge = reporter_.decided(details, verdict, settings_.mode, &identity, grant);
}

void OpticalControl::setRule(const drivers::OpticalDrive* drive, const drivers::DeviceNumber& number,
                             drivers::DeviceAccess access) {
  if (gate_ == nullptr) return;
  if (auto done = gate_->set(number, access); !done) failed(drive, numberText(number) + ": " + done.error().describe());
}

void OpticalControl::uneventsLost() {
  if (applied_) refresh(false);
}

void OpticalControl::usbDecided() {
  if (applied_) refresh(false);
}

void OpticalControl::reportRefused(const std::vector<drivers::RefusedOpen>& refused) {
  if (gate_ == nullptr || refused.empty()) return;
  const std::int64_t now = steadyMs();
  for (const auto& open : refused) {
    // A drive the agent has not looked at yet (its uevent is still queued): look now.
    if (owners_.count(open.device) == 0) refresh(false);
    if (!refusals_.admit(open, now)) continue;
    Poco::JSON::Object::Ptr details;
    std::string node;
    const auto owner = owners_.find(open.device);
    const auto known = owner == owners_.end() ? known_.end() : known_.find(owner->second);
    if (known != known_.end()) {
      const auto& drive = known->second.drive;
      details = opticalDetails(drive);
      setVerdictFields(*details, known->second.verdict, settings_.mode);
      if (!known->second.challenge.empty()) {  // how to ask for it, in the event and the desktop notice
        details->set("device.exception_challenge", known->second.challenge);
        details->set("device.request_command", requestCommand(known->first));
      }
      for (std::size_t i = 0; i < drive.numbers.size() && i < drive.nodes.size(); ++i) {
        if (drive.numbers[i] == open.device) node = drive.nodes[i];
      }
    } else {
      details = makeDetails();
      details->set("device.channel", std::string("optical"));
    }
    refusals_.describe(*details, open, node);
    common::log::info("optical drives: refused " + std::string(open.wantedWrite ? "writing to " : "reading ") +
                      (node.empty() ? numberText(open.device) : node) + " for " + open.command + " (pid " +
                      std::to_string(open.pid) + ")");
    sink_.report("device.open_refused", common::Severity::Medium, details);
  }
}

void OpticalControl::failed(const drivers::OpticalDrive* drive, const std::string& what) {
  auto details = drive != nullptr ? opticalDetails(*drive) : makeDetails();
  details->set("device.channel", std::string("optical"));
  reporter_.failed(details, drive != nullptr ? drive->name : std::string(), what);
}

}  // namespace mamori::agent::device
