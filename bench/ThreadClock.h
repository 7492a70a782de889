#pragma once
// The calling thread's CPU time in seconds: what the matcher and normaliser benchmarks measure.
#include <time.h>

namespace mamori::bench {

inline double threadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace mamori::bench
