#include "agent/app/AgentOptions.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace mamori::agent {

namespace {

common::Result<std::int64_t> positiveInteger(const std::string& flag, const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return common::makeError("expects a positive whole number, got \"" + text + "\"", flag);
  }
  return value;
}

// "60", "0.5": seconds, to milliseconds. Fractions exist for tests that cannot wait a minute.
common::Result<std::int64_t> seconds(const std::string& flag, const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0.001 ||
      value > 86'400.0 * 365) {
    return common::makeError("expects a number of seconds such as 60 or 0.5, got \"" + text + "\"", flag);
  }
  return static_cast<std::int64_t>(std::llround(value * 1000.0));
}

}  // namespace

common::Result<AgentOptions> parseAgentOptions(const std::vector<std::string>& args) {
  AgentOptions options;
  using Setter = std::function<std::optional<common::Error>(const std::string& flag, const std::string& value)>;
  auto text = [](std::string& field) -> Setter {
    return [&field](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
      if (value.empty()) return common::makeError("expects a value", flag);
      field = value;
      return std::nullopt;
    };
  };
  auto number = [](std::optional<std::int64_t>& field) -> Setter {
    return [&field](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
      auto n = positiveInteger(flag, value);
      if (!n) return n.error();
      field = n.value();
      return std::nullopt;
    };
  };
  const std::map<std::string, Setter> withValue = {
      {"--state-dir", text(options.stateDir)},
      {"--collector", text(options.collectorUrl)},
      {"--ca-file", text(options.caFile)},
      {"--enroll-secret-file", text(options.enrollSecretFile)},
      {"--device-control",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         if (value != "auto" && value != "off")
           return common::makeError("expects auto or off, got \"" + value + "\"", flag);
         options.deviceControl = value;
         return std::nullopt;
       }},
      {"--sysfs-root", text(options.sysfsRoot)},
      {"--p2p-guard",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         if (value != "auto" && value != "off")
           return common::makeError("expects auto or off, got \"" + value + "\"", flag);
         options.p2pGuard = value;
         return std::nullopt;
       }},
      {"--p2p-scope", text(options.p2pScope)},
      {"--policy", text(options.policyFile)},
      {"--group", text(options.group)},
      {"--emit-synthetic",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         auto n = positiveInteger(flag, value);
         if (!n) return n.error();
         options.emitSynthetic = n.value();
         return std::nullopt;
       }},
      {"--heartbeat-interval",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         auto ms = seconds(flag, value);
         if (!ms) return ms.error();
         options.heartbeatIntervalMs = ms.value();
         return std::nullopt;
       }},
      {"--token-hash-file", text(options.tokenHashFile)},
      {"--control-socket", text(options.controlSocket)},
      {"--limit-window",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         auto ms = seconds(flag, value);
         if (!ms) return ms.error();
         options.limitWindowMs = ms.value();
         return std::nullopt;
       }},
      {"--spool-max-events", number(options.spoolMaxEvents)},
      {"--spool-max-bytes", number(options.spoolMaxBytes)},
      {"--batch-max-events", number(options.batchMaxEvents)},
      {"--batch-max-bytes", number(options.batchMaxBytes)},
      {"--log-level",
       [&](const std::string& flag, const std::string& value) -> std::optional<common::Error> {
         if (!common::log::parseLevel(value, options.logLevel)) {
           return common::makeError("expects debug, info, warning or error, got \"" + value + "\"", flag);
         }
         return std::nullopt;
       }},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      continue;
    }
    if (flag == "--exit-when-drained") {
      options.exitWhenDrained = true;
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    const auto setter = withValue.find(flag);
    if (setter == withValue.end()) return common::makeError("unknown option (see --help)", flag);
    if (!value) {
      if (i + 1 >= args.size()) return common::makeError("expects a value", flag);
      value = args[++i];
    }
    if (auto error = setter->second(flag, *value)) return *error;
  }
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
