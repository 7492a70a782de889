#include "agent/device/ChannelReporter.h"

#include "common/Log.h"

namespace mamori::agent::device {

using policy::CardDecision;

void ChannelReporter::connected(Poco::JSON::Object::Ptr details, bool atStart) {
  details->set("device.attached_at_start", atStart);
  sink_.report("device.connected", common::Severity::Info, std::move(details));
}

void ChannelReporter::decided(Poco::JSON::Object::Ptr details, const ChannelVerdict& verdict, policy::Mode mode) {
  setVerdictFields(*details, verdict, mode);
  if (verdict.audit) {
    sink_.report("device.audit", common::Severity::Low, std::move(details));
  } else if (verdict.decision == CardDecision::kBlock) {
    sink_.report("device.blocked", common::Severity::Medium, std::move(details));
  } else if (verdict.decision == CardDecision::kReadOnly) {
    sink_.report("device.read_only", common::Severity::Info, std::move(details));
  } else {
    sink_.report("device.allowed", common::Severity::Info, std::move(details));
  }
}

void ChannelReporter::failed(Poco::JSON::Object::Ptr details, const std::string& device, const std::string& what) {
  common::log::error(who_ + ": " + (device.empty() ? std::string() : device + ": ") + what);
  details->set("error.message", what);
  sink_.report("device.error", common::Severity::High, std::move(details));
}

}  // namespace mamori::agent::device
