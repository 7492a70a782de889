#pragma once
// The agent's own CPU and memory in tests: every sample reports what the test set in `next` (its
// threads with the CPU ticks they used so far, its resident memory), as /proc/self would; a test
// makes a thread busy by adding ticks between samples.

#include <cstdint>
#include <string>

#include "drivers/include/ProcessUsage.h"

namespace mamori::drivers::fake {

class FakeProcessUsage final : public ProcessUsageSource {
 public:
  common::Result<ProcessUsage> sample() override {
    ++samples_;
    return next;
  }
  int samples() const { return samples_; }

  // The thread with this name, added with no CPU used when it is not there yet.
  ThreadUsage& thread(const std::string& name) {
    for (auto& thread : next.threads) {
      if (thread.name == name) return thread;
    }
    next.threads.push_back({static_cast<std::int64_t>(next.threads.size()) + 1, name, 0});
    return next.threads.back();
  }

  ProcessUsage next;

 private:
  int samples_ = 0;
};

}  // namespace mamori::drivers::fake
