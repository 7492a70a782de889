#pragma once
// What every agent capability (device control, P2P guard, content scanning, activity monitoring)
// offers the composition root: it is reconfigured in place from a policy, without a restart.
// The policy sync calls apply() on each capability when a new policy takes effect (and once at
// start with the persisted or built-in policy). A capability that cannot apply its section keeps
// its previous configuration and says why; the policy sync reports that as an event.

#include <string>

#include "common/Result.h"
#include "policy/Policy.h"

namespace mamori::agent {

class Capability {
 public:
  virtual ~Capability() = default;
  // Short stable name used in events and logs: "device_control", "p2p_guard", "content_scan", ...
  virtual std::string name() const = 0;
  // Reconfigure from the policy's section for this capability (mode enforce/audit/off included).
  // Runs on the agent's main thread.
  virtual common::Status apply(const policy::Policy& policy) = 0;
};

}  // namespace mamori::agent
