#pragma once
// One verdict shape for every device channel beside USB (card readers, PCIe storage, optical drives,
// Thunderbolt): the policy's evaluators answer in their own types (CardVerdict, PciVerdict,
// ThunderboltVerdict), the agent reports them all the same way (docs/events.md, "Device control").

#include <Poco/JSON/Object.h>

#include <string>

#include "policy/CardEvaluator.h"
#include "policy/Mode.h"
#include "policy/PciEvaluator.h"
#include "policy/ThunderboltEvaluator.h"

namespace mamori::agent::device {

struct ChannelVerdict {
  policy::CardDecision decision = policy::CardDecision::kAllow;  // what the agent does
  policy::CardDecision decided = policy::CardDecision::kAllow;   // what the policy decided; differs in audit
  bool audit = false;
  std::string reason;
  int allowEntry = -1;   // index into the channel's allow list
  bool reported = true;  // false: carried out without a word (mode off, a device the channel does not control)
};

ChannelVerdict channelVerdict(const policy::CardVerdict& verdict);
ChannelVerdict channelVerdict(const policy::PciVerdict& verdict);
ChannelVerdict channelVerdict(const policy::ThunderboltVerdict& verdict);

// device.decision, device.enforced, device.reason, device.allow_entry and policy.mode.
void setVerdictFields(Poco::JSON::Object& details, const ChannelVerdict& verdict, policy::Mode mode);

}  // namespace mamori::agent::device
