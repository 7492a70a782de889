#pragma once
// What mamori-agent's one-shot commands that talk to the running agent (`ctl`, `exception`,
// `request`) share: their exit codes, documented in each --help, and the usage-error lines.

#include <cstdio>
#include <string>

#include "agent/app/AgentOptions.h"

namespace mamori::agent {

// 0 (kExitOk) done; 1 (kExitRuntime) the agent is not running or not reachable, or failed;
// 2 (kExitUsage) usage error; and:
constexpr int kExitRefused = 3;  // the agent (or the collector behind it) said no

// "<who>: <message>" and "Try '<helpCommand> --help'." on stderr; returns kExitUsage.
inline int commandUsageError(const std::string& who, const std::string& helpCommand, const std::string& message) {
  std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", who.c_str(), message.c_str(), helpCommand.c_str());
  return kExitUsage;
}

}  // namespace mamori::agent
