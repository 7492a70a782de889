#include "agent/device/ChannelReporter.h"

#include "common/Clock.h"
#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

std::string requestCommand(const std::string& id) {
  return "mamori-agent request --device " + id + " --reason \"...\"";
}

std::optional<ExceptionGrantInForce> ChannelReporter::excepted(const DeviceIdentity& device, ChannelVerdict& verdict,
                                                               policy::Mode mode) const {
  if (exceptions_ == nullptr || mode != policy::Mode::kEnforce || verdict.decision == CardDecision::kAllow) {
    return std::nullopt;
  }
  auto grant = exceptions_->covering(device);
  if (!grant) return std::nullopt;
  verdict.decision = CardDecision::kAllow;
  verdict.decided = CardDecision::kAllow;
  verdict.audit = false;
  verdict.allowEntry = -1;
  verdict.reason = "temporary exception " + grant->challenge + " until " + common::formatUtcMs(grant->expiresAtMs);
  return grant;
}

void ChannelReporter::connected(Poco::JSON::Object::Ptr details, bool atStart) {
  details->set("device.attached_at_start", atStart);
  sink_.report("device.connected", common::Severity::Info, std::move(details));
}

std::string ChannelReporter::decided(Poco::JSON::Object::Ptr details, const ChannelVerdict& verdict, policy::Mode mode,
                                     const ChannelDevice* device, const std::optional<ExceptionGrantInForce>& grant) {
  setVerdictFields(*details, verdict, mode);
  std::string challenge;
  if (device != nullptr && exceptions_ != nullptr) {
    if (grant) details->set("device.exception_challenge", grant->challenge);
    if (!grant && !verdict.audit && verdict.decision != CardDecision::kAllow) {
      challenge = offerFor(*details, *device);  // refused: how to ask for it
    } else {
      exceptions_->withdraw(device->id);
    }
  }
  Poco::JSON::Object::Ptr used;
  if (grant && exceptions_->markUsed(grant->challenge)) {
    used = new Poco::JSON::Object(*details);
    used->set("device.exception_expires_at", common::formatUtcMs(grant->expiresAtMs));
  }
  if (verdict.audit) {
    sink_.report("device.audit", common::Severity::Low, std::move(details));
  } else if (verdict.decision == CardDecision::kBlock) {
    sink_.report("device.blocked", common::Severity::Medium, std::move(details));
  } else if (verdict.decision == CardDecision::kReadOnly) {
    sink_.report("device.read_only", common::Severity::Info, std::move(details));
  } else {
    sink_.report("device.allowed", common::Severity::Info, std::move(details));
  }
  if (used) sink_.report("device.exception_used", common::Severity::Medium, used);
  return challenge;
}

std::string ChannelReporter::offerFor(Poco::JSON::Object& details, const ChannelDevice& device) {
  std::string challenge = exceptions_->offer(device.identity, device.id, device.name);
  if (challenge.empty()) return challenge;
  details.set("device.exception_challenge", challenge);
  details.set("device.request_command", requestCommand(device.id));
  common::log::info(who_ + ": " + device.id + " refused; exception challenge " + challenge +
                    "; to ask for it: " + requestCommand(device.id));
  return challenge;
}

void ChannelReporter::failed(Poco::JSON::Object::Ptr details, const std::string& device, const std::string& what) {
  common::log::error(who_ + ": " + (device.empty() ? std::string() : device + ": ") + what);
  details->set("error.message", what);
  sink_.report("device.error", common::Severity::High, std::move(details));
}

void ChannelReporter::forget(const std::string& id) {
  if (exceptions_ != nullptr) exceptions_->withdraw(id);
}

}  // namespace mamori::agent::device
