// sameRecognition: a policy parsed again (rules compiled again) or changed in another section
// recognises programs alike; any change to a set, its order or the actions does not.
#include <doctest/doctest.h>

#include <string>
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

const std::string kOwn = R"({"name": "own", "process_names": ["foo*"],
  "sha256": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  "yara": "rule r { strings: $a = \"BitTorrent protocol\" condition: $a }",
  "scripts": [{"interpreter": "python3", "script": "deluged"}],
  "pe_version_info": [{"field": "ProductName", "value": "Foo*"}]})";
const std::string kOther = R"({"name": "other", "process_names": ["bar"]})";

}  // namespace

TEST_CASE("a policy parsed again, or changed elsewhere, recognises programs alike") {
  const auto first = parsed("", kOwn);
  const auto again = parsed(R"("device_control": {"mode": "audit"}, )", kOwn);
  REQUIRE(first.signatureSets.back().yaraRules != again.signatureSets.back().yaraRules);  // compiled twice
  CHECK(sameRecognition(first, again));
  CHECK(sameRecognition(first, first));
}

TEST_CASE("any change to a set, the sets' order or the actions is a different recognition") {
  const auto base = parsed("", kOwn + "," + kOther);
  CHECK_FALSE(sameRecognition(base, parsed("", kOther + "," + kOwn)));
  CHECK_FALSE(sameRecognition(base, parsed("", kOwn)));
  // One field of the set changed each time: a hash, the rule, a script, a version pattern.
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"b855", "b856"},
                                 {"condition: $a", "condition: #a > 1"},
                                 {"deluged", "qbittorrent"},
                                 {"Foo*", "Bar*"}}) {
    CAPTURE(to);
    std::string changed = kOwn;
    changed.replace(changed.find(from), from.size(), to);
    CHECK_FALSE(sameRecognition(base, parsed("", changed + "," + kOther)));
  }
  CHECK_FALSE(sameRecognition(base, parsed("", kOwn + "," + kOther, R"("deny_exec": false, )")));
  CHECK_FALSE(sameRecognition(base, parsed("", kOwn + "," + kOther, R"("mode": "audit", )")));
  CHECK_FALSE(sameRecognition(base, parsed("", kOwn + "," + kOther, R"("builtin_signatures": false, )")));
}
