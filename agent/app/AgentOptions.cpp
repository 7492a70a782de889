#include "agent/app/AgentOptions.h"

#include <cstdint>
#include <optional>

#include "common/CommandLine.h"

namespace mamori::agent {

namespace {

// Seconds ("60", "0.5": fractions exist for tests that cannot wait a minute) up to a year.
constexpr std::int64_t kYearMs = 365LL * 86'400'000;

common::CommandLine::Set positive(std::optional<std::int64_t>& field) {
  return [&field](const std::string& value) -> common::Status {
    auto n = common::parseInteger(value, 1, INT64_MAX);
    if (!n) return common::makeError("expects a positive whole number, got \"" + value + "\"");
    field = n.value();
    return common::Ok{};
  };
}

}  // namespace

common::Result<AgentOptions> parseAgentOptions(const std::vector<std::string>& args) {
  AgentOptions options;
  std::optional<std::int64_t> synthetic;
  common::CommandLine line;
  line.text("--state-dir", options.stateDir)
      .text("--collector", options.collectorUrl)
      .text("--ca-file", options.caFile)
      .text("--enroll-secret-file", options.enrollSecretFile)
      .choice("--device-control", {"auto", "off"}, options.deviceControl)
      .text("--sysfs-root", options.sysfsRoot)
      .choice("--p2p-guard", {"auto", "off"}, options.p2pGuard)
      .text("--p2p-scope", options.p2pScope)
      .text("--policy", options.policyFile)
      .text("--group", options.group)
      .option("--emit-synthetic", positive(synthetic))
      .declare("--heartbeat-interval", common::opt::seconds(1, kYearMs, options.heartbeatIntervalMs))
      .text("--token-hash-file", options.tokenHashFile)
      .text("--control-socket", options.controlSocket)
      .text("--request-socket", options.requestSocket)
      .choice("--desktop-notices", {"on", "off"}, options.desktopNotices)
      .text("--user-runtime-root", options.userRuntimeRoot)
      .declare("--limit-window", common::opt::seconds(1, kYearMs, options.limitWindowMs))
      .option("--spool-max-events", positive(options.spoolMaxEvents))
      .option("--spool-max-bytes", positive(options.spoolMaxBytes))
      .option("--batch-max-events", positive(options.batchMaxEvents))
      .option("--batch-max-bytes", positive(options.batchMaxBytes))
      .option("--log-level",
              [&options](const std::string& value) -> common::Status {
                if (!common::log::parseLevel(value, options.logLevel)) {
                  return common::makeError("expects debug, info, warning or error, got \"" + value + "\"");
                }
                return common::Ok{};
              })
      .flag("--exit-when-drained", options.exitWhenDrained);
  if (auto parsed = line.parse(args, options.help); !parsed) return parsed.error();
  if (synthetic) options.emitSynthetic = *synthetic;
  if (options.batchMaxEvents && *options.batchMaxEvents > 5000) {
    return common::makeError("the collector takes at most 5000 events per batch", "--batch-max-events");
  }
  return options;
}

std::string agentUsage() {
  return R"(Usage: mamori-agent [options]

The mamori endpoint agent: spools events durably and reports them to the collector.

Options:
  --state-dir DIR            state directory (identity, spool); created with mode 0700
                             [default: /var/lib/mamori]
  --collector URL            the collector, https://host:port (remembered in DIR/identity.json)
  --ca-file FILE             the collector's certificate (PEM) to trust instead of the system CAs
                             (remembered)
  --enroll-secret-file FILE  the enrollment secret; used when the agent has no node key yet or the
                             collector no longer accepts it
  --group NAME               the group to enroll in (policies are pushed per group; an administrator
                             can move the agent later) [default: default]
  --device-control MODE      auto: control USB devices as the policy says when the machine has a USB
                             bus (without one nothing is touched); off: never touch USB [default: auto]
  --policy FILE              apply this policy file at start (tests, offline machines); a policy from
                             the collector replaces it
  --sysfs-root DIR           where sysfs is mounted [default: /sys]
  --p2p-guard MODE           auto: stop file-sharing software as the policy says; off: never look at
                             processes [default: auto]
  --p2p-scope SCOPE          the only processes the P2P guard may examine, kill or refuse to start:
                             all, pidns:PID (PID's pid namespace), cgroup:/PATH (a cgroup v2 subtree)
                             or subtree:PID (PID and its descendants) [default: all]
  --config FILE              read options from FILE first, one "name = value" per line (names as
                             here without "--"; the command line wins) [package: /etc/mamori/agent.conf]
  --token-hash-file FILE     SHA-256 of the administrator's stop/uninstall token; without the file
                             `mamori-agent ctl stop` needs no token
                             [default: /etc/mamori/uninstall.token.sha256]
  --control-socket PATH      the socket of `mamori-agent ctl` [default: DIR/control.sock]
  --request-socket PATH      the socket any local user's `mamori-agent request` reaches to ask for a
                             blocked device (exception requests); none without it
                             [package: /run/mamori/request.sock]
  --desktop-notices on|off   tell the people signed in to the desktop when a device is blocked (and how
                             to ask for it) or a file-sharing program is stopped, through notify-send
                             as each of them [default: on]
  --user-runtime-root DIR    where the users' session buses are (DIR/UID/bus) [default: /run/user]
  --limit-window SEC         self-limits: seconds per CPU/memory sample; three windows in a row over
                             the policy's agent_limits restart the agent [default: 10]
  --emit-synthetic N         spool N synthetic events (type agent.synthetic) through the normal
                             pipeline, for tests and benchmarks
  --exit-when-drained        exit 0 once the synthetic events are emitted and the spool is empty
  --heartbeat-interval SEC   seconds between heartbeats (fractions allowed) [policy: 60]
  --spool-max-events N       spool bound in events [policy: 1000000]
  --spool-max-bytes N        spool bound in bytes [policy: 536870912]
  --batch-max-events N       upload batch bound in events, at most 5000 [policy: 2000]
  --batch-max-bytes N        upload batch bound in bytes before gzip [policy: 1048576]
  --log-level LEVEL          debug, info, warning or error [default: info]
  -h, --help                 show this help

Logs go to standard error. SIGTERM or SIGINT stops the agent cleanly. Under systemd (Type=notify)
it reports readiness and pings the watchdog.

Other commands (see their --help):
  mamori-agent scan PATH...              scan files now
  mamori-agent ctl status|stop|remove    talk to the running agent (stop needs the admin's token)
  mamori-agent exception CODE            hand a device exception response to the running agent
  mamori-agent request --device ID ...   ask for a blocked device (any user; --list shows them)

Exit status:
  0  clean stop (signal, or --exit-when-drained)
  1  runtime error (state directory or spool unusable, another agent uses the state directory)
  2  usage or configuration error (unknown flag, bad value, unreadable file, no collector URL)
  3  over the policy's agent_limits for a sustained time (agent.limit_exceeded); systemd restarts it
  4  stopped by `mamori-agent ctl stop` with the administrator's token; systemd leaves it stopped
)";
}

policy::ReportingSettings effectiveReporting(const AgentOptions& options) {
  return effectiveReporting(options, policy::ReportingSettings{});
}

policy::ReportingSettings effectiveReporting(const AgentOptions& options, policy::ReportingSettings settings) {
  if (options.heartbeatIntervalMs) settings.heartbeatIntervalMs = *options.heartbeatIntervalMs;
  if (options.spoolMaxEvents) settings.spoolMaxEvents = *options.spoolMaxEvents;
  if (options.spoolMaxBytes) settings.spoolMaxBytes = *options.spoolMaxBytes;
  if (options.batchMaxEvents) settings.batchMaxEvents = *options.batchMaxEvents;
  if (options.batchMaxBytes) settings.batchMaxBytes = *options.batchMaxBytes;
  return settings;
}

}  // namespace mamori::agent
