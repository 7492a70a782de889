#pragma once
// The P2P guard with the Linux drivers (procfs, proc connector, pidfd kill): the only place that
// picks them.

#include <memory>
#include <string>

#include "agent/core/Capability.h"
#include "agent/p2p/P2pGuard.h"

namespace mamori::agent {

// scopeSpec: --p2p-scope. An error when the scope cannot be resolved (exit 2 at start).
common::Result<std::unique_ptr<Capability>> makeLinuxP2pGuard(const std::string& scopeSpec, EventSink& sink);

}  // namespace mamori::agent
