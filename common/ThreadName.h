#pragma once
// Names the calling thread after its component ("mamori-scan", "mamori-upload", ...). The kernel shows
// the name in /proc/self/task/TID/comm, which is how the agent's self-limits (agent/guard) say which
// component used the CPU in agent.limit_exceeded. At most 15 bytes are kept.

#include <pthread.h>

#include <string>

namespace mamori::common {

inline void nameThisThread(const std::string& name) {
  // pthread_setname_np refuses names over 15 bytes (ERANGE) instead of cutting them.
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace mamori::common
