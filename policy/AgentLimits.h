#pragma once
// The agent_limits section: how much of the PC the agent may use.

#include <cstdint>

namespace mamori::policy {

struct AgentLimits {
  std::int64_t cpuPercent = 25;  // of one core, averaged; scans slow down to stay below
  std::int64_t memoryMib = 512;
};

}  // namespace mamori::policy
