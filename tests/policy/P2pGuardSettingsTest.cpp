// sameRecognition: a policy parsed again (rules compiled again) or changed in another section
// recognises programs alike; any change to a set, its order or the actions does not.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "policy/P2pGuardSettings.h"
#include "policy/PolicyParser.h"

using namespace mamori::policy;

namespace {

P2pGuardSettings parsed(const std::string& usb, const std::string& set, const std::string& options = "") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", )" + usb + R"("p2p_guard": {)" +
                                  options + R"("signature_sets": [)" + set + "]}}");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  return result.policy->p2pGuard;
}

constexpr std::string_view kOwn = R"({"name": "own", "process_names": ["foo*"],
  "sha256": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  "yara": "rule r { strings: $a = \"BitTorrent protocol\" condition: $a }",
  "scripts": [{"interpreter": "python3", "script": "deluged"}],
  "pe_version_info": [{"field": "ProductName", "value": "Foo*"}]})";
constexpr std::string_view kOther = R"({"name": "other", "process_names": ["bar"]})";

std::string joined(std::initializer_list<std::string_view> sets) {
  std::string out;
  for (const auto set : sets) out += (out.empty() ? "" : ",") + std::string(set);
  return out;
}

}  // namespace

TEST_CASE("a policy parsed again, or changed elsewhere, recognises programs alike") {
  const auto first = parsed("", std::string(kOwn));
  const auto again = parsed(R"("device_control": {"mode": "audit"}, )", std::string(kOwn));
  REQUIRE(first.signatureSets.back().yaraRules != again.signatureSets.back().yaraRules);  // compiled twice
  CHECK(sameRecognition(first, again));
  CHECK(sameRecognition(first, first));
}

TEST_CASE("any change to a set, the sets' order or the actions is a different recognition") {
  const auto base = parsed("", joined({kOwn, kOther}));
  CHECK_FALSE(sameRecognition(base, parsed("", joined({kOther, kOwn}))));
  CHECK_FALSE(sameRecognition(base, parsed("", std::string(kOwn))));
  // One field of the set changed each time: a hash, the rule, a script, a version pattern.
  for (const auto& change : {std::pair<std::string, std::string>{"b855", "b856"},
                             {"condition: $a", "condition: #a > 1"},
                             {"deluged", "qbittorrent"},
                             {"Foo*", "Bar*"}}) {
    CAPTURE(change.second);
    std::string changed(kOwn);
    changed.replace(changed.find(change.first), change.first.size(), change.second);
    CHECK_FALSE(sameRecognition(base, parsed("", joined({changed, kOther}))));
  }
  CHECK_FALSE(sameRecognition(base, parsed("", joined({kOwn, kOther}), R"("deny_exec": false, )")));
  CHECK_FALSE(sameRecognition(base, parsed("", joined({kOwn, kOther}), R"("mode": "audit", )")));
  CHECK_FALSE(sameRecognition(base, parsed("", joined({kOwn, kOther}), R"("builtin_signatures": false, )")));
}
