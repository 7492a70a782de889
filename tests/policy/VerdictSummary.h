#pragma once
// The verdicts of the channels beside USB (card readers, optical, PCIe storage, Thunderbolt) as one
// line, so a test states a whole verdict in one check:
//   "<enforced>/<decided>[ audit] #<allow entry>: <reason>"   e.g. "allow/block audit #-1: audit, ..."

#include <string>
#include <vector>

#include "policy/CardEvaluator.h"
#include "policy/PciEvaluator.h"

namespace mamori::policy::test {

inline std::string_view decisionText(CardDecision decision) { return cardDecisionName(decision); }
inline std::string_view decisionText(PciDecision decision) { return pciDecisionName(decision); }

template <typename Verdict>
std::string summary(const Verdict& verdict) {
  return std::string(decisionText(verdict.decision)) + "/" + std::string(decisionText(verdict.decided)) +
         (verdict.audit ? " audit" : "") + " #" + std::to_string(verdict.allowEntry) + ": " + verdict.reason;
}

// The verdicts of a block / read_only / allow / audit channel (card_readers, optical) under each of
// its four actions in that order, as summaries: evaluate(settings) with settings.*channel set.
template <typename Evaluate>
std::vector<std::string> perAction(CardAction DeviceControlSettings::*channel, Evaluate evaluate) {
  std::vector<std::string> out;
  for (const CardAction action : {CardAction::kBlock, CardAction::kReadOnly, CardAction::kAllow, CardAction::kAudit}) {
    DeviceControlSettings settings;
    settings.*channel = action;
    out.push_back(summary(evaluate(settings)));
  }
  return out;
}

}  // namespace mamori::policy::test
