#pragma once
// The classic BPF program the proc connector's socket runs in the kernel: only what the P2P guard
// uses reaches user space (an exec; a fork that makes a process; the exit of a process), so a
// thread's birth and death (a browser makes hundreds), comm, uid, sid, ptrace and coredump events
// and the subscription's answer never wake the agent or cost a read. parseProcConnectorDatagram
// keeps the same rules, so nothing changes where the filter cannot be attached. Pure: the kernel runs
// it (drivers_tests, over a socketpair).

#include <linux/filter.h>
#include <vector>

namespace mamori::drivers::linux_os {

std::vector<sock_filter> buildProcConnectorFilter();

}  // namespace mamori::drivers::linux_os
