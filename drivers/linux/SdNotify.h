#pragma once
// The systemd notification protocol (sd_notify(3)) written by hand: one datagram of "KEY=value"
// lines to the AF_UNIX socket named in $NOTIFY_SOCKET. It is small enough that linking libsystemd
// for it is not worth a dependency (docs/decisions/0010-service-notify-by-hand.md).

#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

// Sends message ("READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=...") to socketPath. A path starting
// with '@' names an abstract socket. An empty socketPath means "not run by systemd": nothing is sent.
common::Status sdNotify(const std::string& socketPath, std::string_view message);

// $NOTIFY_SOCKET, or "" when the service manager did not set it.
std::string notifySocketFromEnvironment();

// The watchdog period systemd expects pings within ($WATCHDOG_USEC, only when $WATCHDOG_PID is
// unset or this process), in milliseconds; 0 when there is no watchdog.
long long watchdogIntervalMsFromEnvironment();

}  // namespace mamori::drivers::linux_os
