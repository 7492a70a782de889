#include "policy/CardEvaluator.h"

#include <cctype>

namespace mamori::policy {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string_view cardDecisionName(CardDecision decision) {
  switch (decision) {
    case CardDecision::kAllow: return "allow";
    case CardDecision::kReadOnly: return "read_only";
    case CardDecision::kBlock: return "block";
  }
  return "block";
}

CardVerdict evaluateMmcCard(const DeviceControlSettings& settings, const MmcCardFacts& card) {
  CardVerdict verdict;
  if (settings.mode == Mode::kOff) {
    verdict.reason = "device control is off";
    return verdict;
  }
  if (card.type != "SD" && card.type != "SDcombo") {
    verdict.reason =
        "card type " + (card.type.empty() ? std::string("unknown") : card.type) + " is not controlled (eMMC, SDIO)";
    return verdict;
  }
  const std::string rule = "card_readers is " + std::string(cardActionName(settings.cardReaders));
  switch (settings.cardReaders) {
    case CardAction::kAllow: verdict.decided = CardDecision::kAllow; break;
    case CardAction::kReadOnly: verdict.decided = CardDecision::kReadOnly; break;
    case CardAction::kBlock:
    case CardAction::kAudit: verdict.decided = CardDecision::kBlock; break;
  }
  verdict.reason = rule;
  const std::string cid = lower(card.cid);
  for (std::size_t i = 0; i < settings.cardAllow.size() && verdict.decided != CardDecision::kAllow; ++i) {
    const auto& entry = settings.cardAllow[i];
    if (cid.empty() || entry.cid != cid) continue;
    verdict.allowEntry = static_cast<int>(i);
    const std::string by =
        "card_allow entry " + std::to_string(i) + (entry.comment.empty() ? "" : " (" + entry.comment + ")");
    if (entry.access == DeviceAccess::kFull) {
      verdict.decided = CardDecision::kAllow;
      verdict.reason = "card allowed by " + by;
    } else {
      verdict.decided = CardDecision::kReadOnly;
      verdict.reason = "card read-only by " + by;
    }
  }
  const bool enforce = settings.mode == Mode::kEnforce && settings.cardReaders != CardAction::kAudit;
  verdict.decision = enforce ? verdict.decided : CardDecision::kAllow;
  verdict.audit = verdict.decision != verdict.decided;
  if (verdict.audit) {
    verdict.reason = std::string(settings.mode == Mode::kAudit ? "audit mode" : "audit") + ", would " +
                     std::string(cardDecisionName(verdict.decided)) + ": " + verdict.reason;
  }
  return verdict;
}

}  // namespace mamori::policy
