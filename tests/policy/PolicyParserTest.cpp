#include <doctest/doctest.h>

#include <cerrno>

#include "policy/PolicyLoader.h"
#include "policy/PolicyParser.h"
#include "tests/policy/TestFiles.h"

using namespace mamori::policy;
using mamori::policy::test::hasError;

TEST_CASE("a minimal policy gets every default") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "minimal"})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const Policy& p = *result.policy;
  CHECK(p.version == 3);
  CHECK(p.name == "minimal");
  CHECK(p.group.empty());
  CHECK(p.deviceControl.mode == Mode::kEnforce);
  CHECK(p.deviceControl.actionForClass(usb::kMassStorage) == DeviceAction::kBlock);
  CHECK(p.deviceControl.actionForClass(0x01) == DeviceAction::kAllow);
  CHECK(p.p2pGuard.builtinSignatures);
  CHECK(p.p2pGuard.signatureSets.size() == 2);
  CHECK(p.contentScan.ruleSets.empty());
  CHECK(p.contentScan.creditCard.enabled);
  CHECK(p.contentScan.threads == 1);
  CHECK(p.activity.bulk.seconds == 60);
  CHECK(p.reporting.batchMaxEvents == ReportingSettings{}.batchMaxEvents);
  CHECK(p.agentLimits.cpuPercent == 25);
}

TEST_CASE("class_actions merge over the defaults and HID stays allowed under default_action block") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "device_control": {"default_action": "block", "class_actions": {"still_image": "allow", "0xe0": "block",
                                                                    "mass_storage": "read_only"}}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& dc = result.policy->deviceControl;
  CHECK(dc.actionForClass(usb::kMassStorage) == DeviceAction::kReadOnly);
  CHECK(dc.actionForClass(usb::kStillImage) == DeviceAction::kAllow);
  CHECK(dc.actionForClass(0xE0) == DeviceAction::kBlock);
  CHECK(dc.actionForClass(0x01) == DeviceAction::kBlock);  // default_action
  CHECK(dc.actionForClass(usb::kHid) == DeviceAction::kAllow);
  CHECK(dc.actionForClass(usb::kHub) == DeviceAction::kAllow);
}

TEST_CASE("allow entries are read with ids as numbers and serials as given") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n", "group": "eng",
    "device_control": {"allow": [{"vendor_id": "0951", "product_id": "16aB", "serial": "S1",
                                  "access": "read_only", "comment": "release stick"}]}})");
  REQUIRE(result.ok());
  const auto& entry = result.policy->deviceControl.allow.at(0);
  CHECK(entry.vendorId == 0x0951);
  CHECK(entry.productId == 0x16AB);
  CHECK(entry.serial == "S1");
  CHECK(entry.access == DeviceAccess::kReadOnly);
  CHECK(entry.comment == "release stick");
  CHECK(result.policy->group == "eng");
}

TEST_CASE("all errors are reported in one pass, capped") {
  std::string text = R"({"schema_version": 1, "version": 3, "name": "n", "device_control": {"allow": [)";
  for (int i = 0; i < 300; ++i) text += std::string(i == 0 ? "" : ",") + R"({"vendor_id": "zz", "product_id": "1"})";
  text += "]}}";
  const auto result = parsePolicy(text);
  REQUIRE_FALSE(result.ok());
  CHECK(result.errors.size() == 100);
  CHECK(result.moreErrors);
  CHECK(result.describe().find("more errors not shown") != std::string::npos);
  CHECK(hasError(result, "/device_control/allow/0/vendor_id", "expected 4 hex digits, found \"zz\""));
  CHECK(hasError(result, "/device_control/allow/0/product_id", "expected 4 hex digits, found \"1\""));
}

TEST_CASE("p2p signature sets: hashes lower-cased, builtin sets can be turned off") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "p2p_guard": {"builtin_signatures": false, "signature_sets": [{"name": "own",
      "process_names": ["foo*"],
      "sha256": ["E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
      "yara": "rule r { strings: $a = \"BitTorrent protocol\" condition: $a }",
      "scripts": [{"interpreter": "python3", "script": "deluged"}]}]}})");
  CAPTURE(result.describe());
  REQUIRE(result.ok());
  const auto& sets = result.policy->p2pGuard.signatureSets;
  REQUIRE(sets.size() == 1);
  CHECK(sets[0].sha256.at(0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sets[0].yaraRules != nullptr);
  CHECK(sets[0].scripts.at(0).script == "deluged");
}

TEST_CASE("p2p signature sets: version resource patterns name a standard field and a pattern") {
  const auto good = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "p2p_guard": {"signature_sets": [{"name": "own",
      "pe_version_info": [{"field": "ProductName", "value": "Foo*"}, {"field": "OriginalFilename", "value": "foo.exe"}]}]}})");
  CAPTURE(good.describe());
  REQUIRE(good.ok());
  const auto& own = good.policy->p2pGuard.signatureSets.back();
  REQUIRE(own.peVersionInfo.size() == 2);
  CHECK(own.peVersionInfo[1].field == "OriginalFilename");
  CHECK(own.peVersionInfo[1].value == "foo.exe");
  const auto bad = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "p2p_guard": {"signature_sets": [{"name": "own",
      "pe_version_info": [{"field": "Product", "value": "Foo*"}, {"field": "ProductName", "value": ""}, {"field": "ProductName"}]}]}})");
  REQUIRE_FALSE(bad.ok());
  CAPTURE(bad.describe());
  CHECK(hasError(bad, "/p2p_guard/signature_sets/0/pe_version_info/0/field",
                 "unknown version resource field \"Product\""));
  CHECK(hasError(bad, "/p2p_guard/signature_sets/0/pe_version_info/1/value", "expected a non-empty string"));
  CHECK(hasError(bad, "/p2p_guard/signature_sets/0/pe_version_info/2/value", "missing required key"));
}

TEST_CASE("a YARA error names the rule set and the line") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "content_scan": {"rule_sets": [{"name": "corp", "source": "rule a {\n condition:\n  nope\n}"}]}})");
  REQUIRE_FALSE(result.ok());
  CAPTURE(result.describe());
  CHECK(hasError(result, "/content_scan/rule_sets/0/source", "YARA rule set \"corp\", line 3: "));
}

TEST_CASE("content sets are named with their thresholds; bad names, duplicates and shares are refused") {
  const auto good = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "content_scan": {"fingerprints": [{"set": "contracts", "min_containment": 0.3, "min_chars": 500},
                                      {"set": "plans"}],
                     "edm": [{"set": "customers", "min_rows": 5}]}})");
  CAPTURE(good.describe());
  REQUIRE(good.ok());
  const auto& scan = good.policy->contentScan;
  REQUIRE(scan.fingerprints.size() == 2);
  CHECK(scan.fingerprints[0].set == "contracts");
  CHECK(scan.fingerprints[0].minContainment == doctest::Approx(0.3));
  CHECK(scan.fingerprints[0].minChars == 500);
  CHECK(scan.fingerprints[1].minContainment == doctest::Approx(0.5));
  REQUIRE(scan.edm.size() == 1);
  CHECK(scan.edm[0].minRows == 5);

  const auto bad = parsePolicy(R"({"schema_version": 1, "version": 3, "name": "n",
    "content_scan": {"fingerprints": [{"set": "../x"}, {"set": "a", "min_containment": 30},
                                      {"set": "a"}, {"min_chars": 300}],
                     "edm": [{"set": "c", "min_rows": 0, "rows": 1}]}})");
  REQUIRE_FALSE(bad.ok());
  CAPTURE(bad.describe());
  CHECK(hasError(bad, "/content_scan/fingerprints/0/set", "expected a set name"));
  CHECK(hasError(bad, "/content_scan/fingerprints/1/min_containment", "expected a share above 0"));
  CHECK(hasError(bad, "/content_scan/fingerprints/2/set", "named twice"));
  CHECK(hasError(bad, "/content_scan/fingerprints/3/set", ""));
  CHECK(hasError(bad, "/content_scan/edm/0/min_rows", ""));
  CHECK(hasError(bad, "/content_scan/edm/0/rows", ""));
}

TEST_CASE("numbers: exponent and overflow are refused, not rounded") {
  const auto result = parsePolicy(R"({"schema_version": 1, "version": 1e3, "name": "n",
    "agent_limits": {"memory_mib": 18446744073709551616}})");
  REQUIRE_FALSE(result.ok());
  CHECK(hasError(result, "/version", "found 1e3"));
  CHECK(hasError(result, "/agent_limits/memory_mib", "found 18446744073709551616"));
}

TEST_CASE("the loader reads a file and reports a missing one") {
  const auto ok = loadPolicyFile(std::string(MAMORI_POLICY_EXAMPLES_DIR) + "/audit-rollout.json");
  CAPTURE(ok.describe());
  REQUIRE(ok.ok());
  CHECK(ok.policy->deviceControl.mode == Mode::kAudit);
  CHECK(ok.policy->group == "pilot");
  const auto missing = loadPolicyFile("/nonexistent/policy.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors.at(0).where == "/nonexistent/policy.json");
  CHECK(missing.errors.at(0).sysErrno == ENOENT);
}

TEST_CASE("activity: incident and printing knobs, their defaults and their errors") {
  const auto defaults = parsePolicy(R"({"schema_version": 1, "version": 1, "name": "n"})");
  REQUIRE(defaults.ok());
  CHECK(defaults.policy->activity.incident.windowSeconds == 900);
  CHECK(defaults.policy->activity.incident.threshold == 60);
  CHECK(defaults.policy->activity.printing.enabled);
  CHECK(defaults.policy->activity.printing.spoolDir == "/var/spool/cups");

  const auto set = parsePolicy(R"({"schema_version": 1, "version": 1, "name": "n", "activity": {
    "incident": {"window_seconds": 60, "threshold": 100},
    "printing": {"enabled": false, "spool_dir": "/srv/cups/spool"}}})");
  CAPTURE(set.describe());
  REQUIRE(set.ok());
  CHECK(set.policy->activity.incident.windowSeconds == 60);
  CHECK(set.policy->activity.incident.threshold == 100);
  CHECK_FALSE(set.policy->activity.printing.enabled);
  CHECK(set.policy->activity.printing.spoolDir == "/srv/cups/spool");

  const auto bad = parsePolicy(R"({"schema_version": 1, "version": 1, "name": "n", "activity": {
    "incident": {"window_seconds": 1, "threshold": 0, "treshold": 5},
    "printing": {"enabled": "yes", "spool_dir": "~/cups"}}})");
  CAPTURE(bad.describe());
  REQUIRE_FALSE(bad.ok());
  CHECK(hasError(bad, "/activity/incident/window_seconds", ""));
  CHECK(hasError(bad, "/activity/incident/threshold", ""));
  CHECK(hasError(bad, "/activity/incident/treshold", "threshold"));  // unknown key, with a "did you mean"
  CHECK(hasError(bad, "/activity/printing/enabled", ""));
  CHECK(hasError(bad, "/activity/printing/spool_dir", "absolute"));
}

TEST_CASE("activity: printing mode, fail mode and scheduler; the mode printing ends up in") {
  const auto defaults = parsePolicy(R"({"schema_version": 1, "version": 1, "name": "n"})");
  REQUIRE(defaults.ok());
  CHECK(defaults.policy->activity.printing.mode == Mode::kAudit);
  CHECK_FALSE(defaults.policy->activity.printing.failOpen);
  CHECK(defaults.policy->activity.printing.server.empty());
  CHECK(printingMode(defaults.policy->activity) == Mode::kAudit);

  for (const char* server : {"/run/cups/cups.sock", "localhost:631", "127.0.0.1:6310", "[::1]:631"}) {
    CAPTURE(server);
    const auto set = parsePolicy(std::string(R"({"schema_version": 1, "version": 1, "name": "n", "activity": {
      "printing": {"mode": "enforce", "fail": "open", "server": ")") +
                                 server + R"("}}})");
    CAPTURE(set.describe());
    REQUIRE(set.ok());
    CHECK(set.policy->activity.printing.mode == Mode::kEnforce);
    CHECK(set.policy->activity.printing.failOpen);
    CHECK(set.policy->activity.printing.server == server);
    CHECK(printingMode(set.policy->activity) == Mode::kEnforce);
  }

  ActivitySettings activity;
  activity.printing.mode = Mode::kEnforce;
  activity.mode = Mode::kAudit;
  CHECK(printingMode(activity) == Mode::kAudit);  // the section's audit wins
  activity.mode = Mode::kEnforce;
  activity.printing.enabled = false;
  CHECK(printingMode(activity) == Mode::kOff);  // the older key still turns printing off
  activity.printing.enabled = true;
  activity.mode = Mode::kOff;
  CHECK(printingMode(activity) == Mode::kOff);

  for (const char* server : {"printserver.example.com:631", "10.0.0.5:631", "localhost", "localhost:0",
                             "localhost:99999", "relative/cups.sock", "127.0.0.1:63x"}) {
    CAPTURE(server);
    const auto bad = parsePolicy(std::string(R"({"schema_version": 1, "version": 1, "name": "n", "activity": {
      "printing": {"server": ")") +
                                 server + R"("}}})");
    REQUIRE_FALSE(bad.ok());
    CHECK(hasError(bad, "/activity/printing/server", "loopback"));
  }
  const auto bad = parsePolicy(R"({"schema_version": 1, "version": 1, "name": "n", "activity": {
    "printing": {"mode": "block", "fail": "maybe"}}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(hasError(bad, "/activity/printing/mode", ""));
  CHECK(hasError(bad, "/activity/printing/fail", "\"closed\" or \"open\""));
}
