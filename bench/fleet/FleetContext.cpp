#include "bench/fleet/FleetContext.h"

#include "bench/fleet/SimAgent.h"

namespace mamori::bench {

void FleetContext::collectorDown() { phase = Phase::Outage; }

void FleetContext::collectorBack() {
  phase = Phase::Normal;
  returnedAt = Clock::now();
  stats.drainSeconds = -1;
  agentsBehind = static_cast<int>(agents.size());
  for (SimAgent* agent : agents) agent->setDrainTarget(agent->made());
}

void FleetContext::agentCaughtUp() {
  if (--agentsBehind == 0) stats.drainSeconds = std::chrono::duration<double>(Clock::now() - returnedAt).count();
}

}  // namespace mamori::bench
