#pragma once
// The Linux driver set of mamori-agent: the one place that picks concrete drivers (drivers/linux) and
// the HTTPS transport. main() makes it and hands it to Agent.

#include <memory>

#include "agent/app/AgentDrivers.h"
#include "agent/app/AgentOptions.h"

namespace mamori::agent {

// Reads the roots from options (--sysfs-root, --user-runtime-root) and the service manager's
// environment (NOTIFY_SOCKET, WATCHDOG_USEC). Opens nothing: sockets and kernel groups are opened
// when a capability first needs them.
AgentDrivers makeLinuxDrivers(const AgentOptions& options);

// The print scheduler (CUPS; libcups is loaded by the first call that needs it): the print gate's,
// and what `mamori-agent printing release` lifts the holds through.
std::unique_ptr<drivers::PrintSpooler> makeLinuxPrintSpooler();

}  // namespace mamori::agent
