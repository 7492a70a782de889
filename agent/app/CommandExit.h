#pragma once
// What mamori-agent's one-shot commands that talk to the running agent (`ctl`, `exception`,
// `request`) share: their exit codes, documented in each --help. Usage errors are said by
// common::usageError (common/CommandLine.h), as in every program.

#include "agent/app/AgentOptions.h"

namespace mamori::agent {

// 0 (kExitOk) done; 1 (kExitRuntime) the agent is not running or not reachable, or failed;
// 2 (kExitUsage) usage error; and:
constexpr int kExitRefused = 3;  // the agent (or the collector behind it) said no

}  // namespace mamori::agent
