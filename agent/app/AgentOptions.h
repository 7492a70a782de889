#pragma once
// The command line of mamori-agent. Parsing is pure (strings in, options or a usage error out) so
// it is tested without starting anything.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Log.h"
#include "common/Result.h"
#include "policy/ReportingSettings.h"

namespace mamori::agent {

// Exit codes, documented in --help.
constexpr int kExitOk = 0;       // clean stop (signal, or --exit-when-drained)
constexpr int kExitRuntime = 1;  // could not run: spool or state directory unusable, another agent running ...
constexpr int kExitUsage = 2;    // bad flags or configuration
// 3 (over agent_limits, restart wanted) and 4 (stopped with the administrator's token): agent/guard/ServiceGuard.h

struct AgentOptions {
  bool help = false;
  std::string stateDir = "/var/lib/mamori";
  std::string collectorUrl;                   // "" = the one remembered in identity.json
  std::string caFile;                         // "" = the remembered one, else the system CA store
  std::string enrollSecretFile;               // "" = cannot enroll
  std::string group;                          // asked for at enrollment; "" = the remembered one, else "default"
  std::string deviceControl = "auto";         // auto: enforce the policy when there is a USB bus; off: never touch USB
  std::string sysfsRoot = "/sys";             // tests point device control at a recorded tree
  std::string p2pGuard = "auto";              // auto: the P2P guard as the policy says; off: never look at processes
  std::string desktopNotices = "on";          // --desktop-notices on|off
  std::string userRuntimeRoot = "/run/user";  // where users' session buses are (tests give their own)
  std::string p2pScope = "all";               // which processes the P2P guard may touch (P2pScope.h); tests confine it
  std::string policyFile;                     // a local policy file applied at start (tests, offline use)
  std::int64_t emitSynthetic = 0;
  bool exitWhenDrained = false;
  std::string configFile;  // --config: read by main() before parsing (recorded for agent.modified)
  std::string tokenHashFile = "/etc/mamori/uninstall.token.sha256";  // SHA-256 of the stop/uninstall token
  std::string controlSocket;                                         // "" = DIR/control.sock (mamori-agent ctl)
  std::string
      requestSocket;  // the employees' socket of `mamori-agent request`; "" = none (package: /run/mamori/request.sock)
  std::int64_t limitWindowMs = 10'000;  // self-limits sampling window
  std::optional<std::int64_t> heartbeatIntervalMs;
  std::optional<std::int64_t> spoolMaxEvents;
  std::optional<std::int64_t> spoolMaxBytes;
  std::optional<std::int64_t> batchMaxEvents;
  std::optional<std::int64_t> batchMaxBytes;
  common::log::Level logLevel = common::log::Level::Info;
};

// args excludes the program name. The error says which flag and why, in words for a person.
common::Result<AgentOptions> parseAgentOptions(const std::vector<std::string>& args);

std::string agentUsage();

// The built-in policy's reporting settings with the command line's overrides applied.
policy::ReportingSettings effectiveReporting(const AgentOptions& options);
// A policy's reporting settings with the command line's overrides applied (they win: an operator
// or a test pins a value on one machine).
policy::ReportingSettings effectiveReporting(const AgentOptions& options, policy::ReportingSettings settings);

}  // namespace mamori::agent
