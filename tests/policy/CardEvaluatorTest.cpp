// Memory cards in non-USB readers: card_readers and card_allow.
#include <doctest/doctest.h>

#include "policy/CardEvaluator.h"
#include "policy/PolicyParser.h"
#include "tests/policy/TestFiles.h"
#include "tests/policy/VerdictSummary.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;
using mamori::policy::test::perAction;
using mamori::policy::test::summary;

namespace {
MmcCardFacts card() { return {"SD", "035344534433324780b1d2e3f4016200"}; }
}  // namespace

TEST_CASE("card_readers: block by default, read_only, allow, audit") {
  CHECK(summary(evaluateMmcCard(DeviceControlSettings{}, card())) == "block/block #-1: card_readers is block");
  CHECK(perAction(&DeviceControlSettings::cardReaders,
                  [](const auto& settings) { return evaluateMmcCard(settings, card()); }) ==
        std::vector<std::string>{"block/block #-1: card_readers is block",
                                 "read_only/read_only #-1: card_readers is read_only",
                                 "allow/allow #-1: card_readers is allow",
                                 "allow/block audit #-1: audit, would block: card_readers is audit"});
}

TEST_CASE("eMMC and SDIO are not controlled; mode off and audit") {
  DeviceControlSettings settings;
  auto emmc = evaluateMmcCard(settings, {"MMC", "150100444a4e42345201a1b2c3d4e500"});
  CHECK(emmc.decision == CardDecision::kAllow);
  CHECK(emmc.reason == "card type MMC is not controlled (eMMC, SDIO)");
  CHECK(evaluateMmcCard(settings, {"SDcombo", ""}).decision == CardDecision::kBlock);
  settings.mode = Mode::kAudit;
  CHECK(evaluateMmcCard(settings, card()).audit);
  CHECK(evaluateMmcCard(settings, card()).decision == CardDecision::kAllow);
  settings.mode = Mode::kOff;
  CHECK(evaluateMmcCard(settings, card()).reason == "device control is off");
}

TEST_CASE("card_allow by CID: full or read-only, case-insensitive") {
  DeviceControlSettings settings;
  settings.cardAllow.push_back({"035344534433324780b1d2e3f4016200", DeviceAccess::kReadOnly, "camera card"});
  auto verdict = evaluateMmcCard(settings, {"SD", "035344534433324780B1D2E3F4016200"});
  CHECK(summary(verdict) == "read_only/read_only #0: card read-only by card_allow entry 0 (camera card)");
  settings.cardAllow[0].access = DeviceAccess::kFull;
  CHECK(evaluateMmcCard(settings, card()).decision == CardDecision::kAllow);
  CHECK(evaluateMmcCard(settings, {"SD", "00000000000000000000000000000000"}).decision == CardDecision::kBlock);
  CHECK(evaluateMmcCard(settings, {"SD", ""}).decision == CardDecision::kBlock);
}

TEST_CASE("card_readers and card_allow are parsed strictly") {
  auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "card_readers": "read_only",
    "card_allow": [{"cid": "035344534433324780B1D2E3F4016200", "access": "full", "comment": "kiosk"}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& dc = result.policy->deviceControl;
  CHECK(dc.cardReaders == CardAction::kReadOnly);
  REQUIRE(dc.cardAllow.size() == 1);
  CHECK(dc.cardAllow[0].cid == "035344534433324780b1d2e3f4016200");
  CHECK(DeviceControlSettings{}.cardReaders == CardAction::kBlock);

  result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {
    "card_readers": "partial", "card_allow": [{"cid": "0353"}, {"cid": "035344534433324780b1d2e3f4016200"},
    {"cid": "035344534433324780B1D2E3F4016200"}, {"access": "full"}]}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/device_control/card_readers", R"(expected one of "block", "read_only", "allow", "audit")"));
  CHECK(hasError(result, "/device_control/card_allow/0/cid", "expected the card's CID as 32 hex digits"));
  CHECK(hasError(result, "/device_control/card_allow/2", "duplicate card_allow entry"));
  CHECK(hasError(result, "/device_control/card_allow/3/cid", "missing required key"));
}
