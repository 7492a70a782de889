#pragma once
// The Linux driver set of mamori-agent: the one place that picks concrete drivers (drivers/linux) and
// the HTTPS transport. main() makes it and hands it to Agent.

#include "agent/app/AgentDrivers.h"
#include "agent/app/AgentOptions.h"

namespace mamori::agent {

// Reads the roots from options (--sysfs-root, --user-runtime-root) and the service manager's
// environment (NOTIFY_SOCKET, WATCHDOG_USEC). Opens nothing: sockets and kernel groups are opened
// when a capability first needs them.
AgentDrivers makeLinuxDrivers(const AgentOptions& options);

}  // namespace mamori::agent
