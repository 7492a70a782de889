#include "agent/device/ChannelVerdict.h"

namespace mamori::agent::device {

namespace {

policy::CardDecision asChannel(policy::PciDecision decision) {
  return decision == policy::PciDecision::kAllow ? policy::CardDecision::kAllow : policy::CardDecision::kBlock;
}

// PciVerdict and ThunderboltVerdict share these members but no base.
template <typename Verdict>
ChannelVerdict fromAllowOrBlock(const Verdict& verdict) {
  return {asChannel(verdict.decision), asChannel(verdict.decided), verdict.audit, verdict.reason, verdict.allowEntry};
}

}  // namespace

ChannelVerdict channelVerdict(const policy::CardVerdict& verdict) {
  return {verdict.decision, verdict.decided, verdict.audit, verdict.reason, verdict.allowEntry};
}

ChannelVerdict channelVerdict(const policy::PciVerdict& verdict) { return fromAllowOrBlock(verdict); }

ChannelVerdict channelVerdict(const policy::ThunderboltVerdict& verdict) { return fromAllowOrBlock(verdict); }

void setVerdictFields(Poco::JSON::Object& details, const ChannelVerdict& verdict, policy::Mode mode) {
  details.set("device.decision", std::string(policy::cardDecisionName(verdict.decided)));
  details.set("device.enforced", std::string(policy::cardDecisionName(verdict.decision)));
  details.set("device.reason", verdict.reason);
  details.set("device.allow_entry", static_cast<std::int64_t>(verdict.allowEntry));
  details.set("policy.mode", std::string(policy::modeName(mode)));
}

}  // namespace mamori::agent::device
