#include <doctest/doctest.h>

#include "agent/app/AgentOptions.h"

namespace mamori::agent {
namespace {

TEST_CASE("options: defaults and overrides") {
  auto none = parseAgentOptions({});
  REQUIRE(none.ok());
  CHECK(none.value().stateDir == "/var/lib/mamori");
  CHECK(!none.value().exitWhenDrained);

  auto parsed = parseAgentOptions({"--state-dir",
                                   "/tmp/s",
                                   "--collector=https://c:8443",
                                   "--ca-file",
                                   "ca.pem",
                                   "--enroll-secret-file",
                                   "secret",
                                   "--emit-synthetic",
                                   "1000",
                                   "--exit-when-drained",
                                   "--heartbeat-interval",
                                   "0.5",
                                   "--spool-max-events",
                                   "10",
                                   "--spool-max-bytes",
                                   "4096",
                                   "--batch-max-events",
                                   "7",
                                   "--batch-max-bytes",
                                   "2048",
                                   "--log-level",
                                   "debug"});
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().describe()));
  const auto& o = parsed.value();
  CHECK(o.stateDir == "/tmp/s");
  CHECK(o.collectorUrl == "https://c:8443");
  CHECK(o.caFile == "ca.pem");
  CHECK(o.enrollSecretFile == "secret");
  CHECK(o.emitSynthetic == 1000);
  CHECK(o.exitWhenDrained);
  CHECK(o.logLevel == common::log::Level::Debug);
  const auto reporting = effectiveReporting(o);
  CHECK(reporting.heartbeatIntervalMs == 500);
  CHECK(reporting.spoolMaxEvents == 10);
  CHECK(reporting.spoolMaxBytes == 4096);
  CHECK(reporting.batchMaxEvents == 7);
  CHECK(reporting.batchMaxBytes == 2048);
  CHECK(reporting.retryCapMs == policy::ReportingSettings{}.retryCapMs);
}

TEST_CASE("options: device control scope, local policy file, sysfs root") {
  auto none = parseAgentOptions({});
  REQUIRE(none.ok());
  CHECK(none.value().deviceControl == "auto");
  CHECK(none.value().sysfsRoot == "/sys");
  CHECK(none.value().policyFile.empty());
  auto parsed = parseAgentOptions({"--device-control", "off", "--policy", "p.json", "--sysfs-root=/tmp/sys"});
  REQUIRE(parsed.ok());
  CHECK(parsed.value().deviceControl == "off");
  CHECK(parsed.value().policyFile == "p.json");
  CHECK(parsed.value().sysfsRoot == "/tmp/sys");
  auto bad = parseAgentOptions({"--device-control", "on"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "--device-control");
}

TEST_CASE("options: errors name the flag and say what is expected") {
  auto unknown = parseAgentOptions({"--colector", "x"});
  REQUIRE(!unknown.ok());
  CHECK(unknown.error().where == "--colector");
  auto missing = parseAgentOptions({"--state-dir"});
  REQUIRE(!missing.ok());
  CHECK(missing.error().message == "expects a value");
  auto negative = parseAgentOptions({"--emit-synthetic", "-5"});
  REQUIRE(!negative.ok());
  CHECK(negative.error().message.find("positive whole number") != std::string::npos);
  auto level = parseAgentOptions({"--log-level", "loud"});
  REQUIRE(!level.ok());
  auto batch = parseAgentOptions({"--batch-max-events", "9000"});
  REQUIRE(!batch.ok());
  CHECK(batch.error().message.find("5000") != std::string::npos);
  CHECK(agentUsage().find("Exit status") != std::string::npos);
}

TEST_CASE("P2P guard flags: off or auto, and the scope as given (resolved at start)") {
  const auto defaults = parseAgentOptions({});
  REQUIRE(defaults.ok());
  CHECK(defaults.value().p2pGuard == "auto");
  CHECK(defaults.value().p2pScope == "all");
  auto parsed = parseAgentOptions({"--p2p-guard", "off", "--p2p-scope=pidns:/proc/42/ns/pid"});
  REQUIRE(parsed.ok());
  CHECK(parsed.value().p2pGuard == "off");
  CHECK(parsed.value().p2pScope == "pidns:/proc/42/ns/pid");
  auto bad = parseAgentOptions({"--p2p-guard", "kill"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "--p2p-guard");
  CHECK(agentUsage().find("--p2p-scope SCOPE") != std::string::npos);
}

}  // namespace
}  // namespace mamori::agent

namespace mamori::agent {
namespace {

TEST_CASE("options: --group, and a policy's reporting settings under the command line's overrides") {
  auto parsed = parseAgentOptions({"--group", "営業部", "--batch-max-events", "7"});
  REQUIRE(parsed.ok());
  CHECK(parsed.value().group == "営業部");
  CHECK(parseAgentOptions({}).value().group.empty());
  CHECK_FALSE(parseAgentOptions({"--group", ""}).ok());

  policy::ReportingSettings fromPolicy;
  fromPolicy.batchMaxEvents = 100;
  fromPolicy.heartbeatIntervalMs = 5000;
  const auto effective = effectiveReporting(parsed.value(), fromPolicy);
  CHECK(effective.batchMaxEvents == 7);          // the flag wins
  CHECK(effective.heartbeatIntervalMs == 5000);  // the policy's value where no flag is given
}

}  // namespace
}  // namespace mamori::agent
