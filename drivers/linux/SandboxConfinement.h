#pragma once
// What a sandbox worker does to itself before it reads untrusted bytes (docs/decisions/0022): every
// descriptor but 0-2 and its channel closed, root dropped to an unprivileged user (groups, gid, uid:
// no capability is left), not dumpable, no core files, no file writes, a bounded address space,
// PR_SET_NO_NEW_PRIVS, and a seccomp filter that allows only reading and writing descriptors it
// already holds, memory management, time and leaving. Any other system call (open, socket, connect,
// execve, ptrace, clone ...) kills the process with SIGSYS.

#include <cstdint>
#include <string>

#include "common/Result.h"

namespace mamori::drivers {

struct SandboxConfinement {
  int channelFd = 3;                   // kept open; every descriptor above it is closed
  std::string user = "nobody";         // taken when started as root
  std::int64_t addressSpaceBytes = 0;  // RLIMIT_AS; 0 = unchanged
  std::int64_t openFiles = 8;          // RLIMIT_NOFILE: the channel and one document at a time
};

// Applies all of it to the calling process (single-threaded; nothing can be undone). An error means
// the worker must not go on.
common::Status confineCurrentProcess(const SandboxConfinement& confinement);

}  // namespace mamori::drivers
