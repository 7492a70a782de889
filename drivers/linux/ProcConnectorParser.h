#pragma once
// Parsing of proc connector datagrams (netlink, CN_IDX_PROC). Pure: bytes in, events out; fuzzed
// with the /proc parsers (tests/fuzz/fuzz_proc.cpp).

#include <string>
#include <string_view>
#include <vector>

#include "drivers/include/ProcessEvents.h"

namespace mamori::drivers::linux_os {

// One recv() worth of netlink messages. Forks that make a process (not a thread), execs, and exits
// of thread-group leaders (a thread ending is not a process ending); everything else (uid, comm ...)
// and any malformed message is skipped.
std::vector<ProcessEvent> parseProcConnectorDatagram(std::string_view bytes);

// One netlink message of the proc connector as the kernel lays it out (netlink header, connector
// header for CN_IDX_PROC, then payload, padded): what the agent sends to subscribe, and what the
// kernel sends for each event (a proc_event as payload).
std::string procConnectorMessage(std::string_view payload);

}  // namespace mamori::drivers::linux_os
