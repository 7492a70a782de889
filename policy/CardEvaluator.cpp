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

CardVerdict decideMedium(Mode mode, CardAction action, const std::string& channel, const MediumAllowMatch& match,
                         const std::string& atMostReadOnly) {
  CardVerdict verdict;
  switch (action) {
    case CardAction::kAllow: verdict.decided = CardDecision::kAllow; break;
    case CardAction::kReadOnly: verdict.decided = CardDecision::kReadOnly; break;
    case CardAction::kBlock:
    case CardAction::kAudit: verdict.decided = CardDecision::kBlock; break;
  }
  verdict.reason = channel + " is " + std::string(cardActionName(action));
  // An allow entry only ever widens what the channel gives (a read_only entry under allow stays allow).
  if (match.entry >= 0 && verdict.decided != CardDecision::kAllow) {
    verdict.allowEntry = match.entry;
    const std::string by = match.list + " entry " + std::to_string(match.entry) +
                           (match.comment.empty() ? "" : " (" + match.comment + ")");
    if (match.access == DeviceAccess::kFull) {
      verdict.decided = CardDecision::kAllow;
      verdict.reason = match.what + " allowed by " + by;
    } else {
      verdict.decided = CardDecision::kReadOnly;
      verdict.reason = match.what + " read-only by " + by;
    }
  }
  if (!atMostReadOnly.empty() && verdict.decided == CardDecision::kAllow) {
    verdict.decided = CardDecision::kReadOnly;
    verdict.reason = atMostReadOnly + " (" + verdict.reason + ")";
  }
  const bool enforce = mode == Mode::kEnforce && action != CardAction::kAudit;
  verdict.decision = enforce ? verdict.decided : CardDecision::kAllow;
  verdict.audit = verdict.decision != verdict.decided;
  if (verdict.audit) {
    verdict.reason = std::string(mode == Mode::kAudit ? "audit mode" : "audit") + ", would " +
                     std::string(cardDecisionName(verdict.decided)) + ": " + verdict.reason;
  }
  return verdict;
}

CardVerdict evaluateMmcCard(const DeviceControlSettings& settings, const MmcCardFacts& card) {
  if (settings.mode == Mode::kOff) {
    CardVerdict verdict;
    verdict.reason = "device control is off";
    return verdict;
  }
  if (card.type != "SD" && card.type != "SDcombo") {
    CardVerdict verdict;
    verdict.reason =
        "card type " + (card.type.empty() ? std::string("unknown") : card.type) + " is not controlled (eMMC, SDIO)";
    return verdict;
  }
  MediumAllowMatch match;
  match.what = "card";
  match.list = "card_allow";
  const std::string cid = lower(card.cid);
  for (std::size_t i = 0; i < settings.cardAllow.size() && !cid.empty(); ++i) {
    const auto& entry = settings.cardAllow[i];
    if (entry.cid != cid) continue;
    match.entry = static_cast<int>(i);
    match.access = entry.access;
    match.comment = entry.comment;
    break;
  }
  return decideMedium(settings.mode, settings.cardReaders, "card_readers", match);
}

}  // namespace mamori::policy
