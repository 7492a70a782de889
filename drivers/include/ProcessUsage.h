#pragma once
// How much CPU and memory this process uses, per thread: what the agent's self-limits watch
// (agent/guard/SelfLimits). Threads are named after the capability that runs them
// (pthread_setname_np), so a thread's CPU time says which component was responsible.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct ThreadUsage {
  std::int64_t tid = 0;
  std::string name;            // the kernel's comm, at most 15 bytes
  std::uint64_t cpuTicks = 0;  // user + system time since the thread started, in clock ticks
};

struct ProcessUsage {
  std::vector<ThreadUsage> threads;
  std::int64_t residentKib = 0;  // VmRSS
  std::int64_t ticksPerSecond = 100;
};

class ProcessUsageSource {
 public:
  virtual ~ProcessUsageSource() = default;
  virtual common::Result<ProcessUsage> sample() = 0;
  // Gives memory the allocator holds free back to the kernel, when there is enough of it to matter:
  // what start-up work (compiling rules, learning hashes) freed would otherwise stay resident for the
  // life of the agent. Returns the bytes the allocator held free before (0 when it did nothing).
  virtual std::size_t releaseFreedMemory() { return 0; }
};

}  // namespace mamori::drivers
