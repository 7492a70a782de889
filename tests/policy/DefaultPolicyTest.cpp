#include <doctest/doctest.h>

#include "policy/BuiltinP2pSignatures.h"
#include "policy/DefaultPolicy.h"
#include "policy/PolicyParser.h"

using namespace mamori::policy;

TEST_CASE("the built-in policy parses with the same parser") {
  const auto result = parsePolicy(builtinPolicyText());
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  CHECK(result.policy->version == kBuiltinPolicyVersion);
}

TEST_CASE("the built-in policy is secure by default") {
  const Policy& policy = builtinPolicy();
  const auto& dc = policy.deviceControl;
  CHECK(dc.mode == Mode::kEnforce);
  CHECK(dc.actionForClass(usb::kMassStorage) == DeviceAction::kBlock);
  CHECK(dc.actionForClass(usb::kStillImage) == DeviceAction::kBlock);
  CHECK(dc.actionForClass(usb::kHid) == DeviceAction::kAllow);
  CHECK(dc.actionForClass(usb::kHub) == DeviceAction::kAllow);
  CHECK(dc.allow.empty());

  const auto& p2p = policy.p2pGuard;
  CHECK(p2p.mode == Mode::kEnforce);
  CHECK(p2p.denyExec);
  CHECK(p2p.kill);
  CHECK(p2p.networkDetection);
  REQUIRE(p2p.signatureSets.size() == builtinP2pSignatureSets().size());
  bool hasWinny = false;
  bool hasAria2 = false;
  for (const auto& set : p2p.signatureSets) {
    for (const auto& name : set.processNames) {
      hasWinny = hasWinny || name == "winny";
      hasAria2 = hasAria2 || name == "aria2c";
    }
  }
  CHECK(hasWinny);
  CHECK(hasAria2);

  const auto& scan = policy.contentScan;
  CHECK(scan.mode == Mode::kEnforce);
  CHECK(scan.creditCard.enabled);
  CHECK(scan.myNumber.enabled);
  REQUIRE(scan.ruleSets.size() == 1);
  CHECK(scan.ruleSets[0].name == "company-confidential");
  CHECK(scan.ruleSets[0].rules != nullptr);
  CHECK(scan.ruleSets[0].source.find("社外秘") != std::string::npos);

  CHECK(policy.reporting.heartbeatIntervalMs == 60'000);
  CHECK(policy.reporting.policyPollIntervalMs == 60'000);
}

TEST_CASE("the built-in P2P signature sets compile") {
  const auto& sets = builtinP2pSignatureSets();
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].name == "builtin-windows-p2p");
  CHECK(sets[1].name == "builtin-linux-p2p");
  CHECK(sets[1].yaraRules != nullptr);
}
