// The self-limits judge over scripted usage samples: sustained CPU or memory over the limit is a
// breach naming the busiest thread; short spikes are not.
#include <doctest/doctest.h>

#include "agent/guard/SelfLimits.h"

using namespace mamori::agent::guard;
using mamori::drivers::ProcessUsage;

namespace {
// 100 ticks per second; 10 s windows: 1000 ticks = 100 % of one core.
ProcessUsage usage(std::uint64_t mainTicks, std::uint64_t scanTicks, std::int64_t rssMib = 50) {
  ProcessUsage u;
  u.ticksPerSecond = 100;
  u.residentKib = rssMib * 1024;
  u.threads = {{1, "mamori-agent", mainTicks}, {2, "mamori-scan", scanTicks}};
  return u;
}
}  // namespace

TEST_CASE("three windows in a row over the CPU limit is a breach naming the busiest thread") {
  LimitJudge judge({25, 512, 3, 0});
  CHECK_FALSE(judge.observe(0, usage(0, 0)));  // baseline
  // Each window: main 50 ticks (5 %), scan 400 ticks (40 %).
  CHECK_FALSE(judge.observe(10'000, usage(50, 400)));
  CHECK(judge.lastCpuPercent() == doctest::Approx(45.0));
  CHECK_FALSE(judge.observe(20'000, usage(100, 800)));
  auto breach = judge.observe(30'000, usage(150, 1200));
  REQUIRE(breach);
  CHECK(breach->resource == "cpu");
  CHECK(breach->measured == doctest::Approx(45.0));
  CHECK(breach->limit == 25);
  CHECK(breach->windows == 3);
  CHECK(breach->component == "mamori-scan");
  CHECK(breach->componentCpuPercent == doctest::Approx(40.0));
  // Reported once per streak: the next window starts counting again.
  CHECK_FALSE(judge.observe(40'000, usage(200, 1600)));
}

TEST_CASE("a spike that ends before the third window is not a breach") {
  LimitJudge judge({25, 512, 3, 0});
  (void)judge.observe(0, usage(0, 0));
  CHECK_FALSE(judge.observe(10'000, usage(0, 900)));
  CHECK_FALSE(judge.observe(20'000, usage(0, 1800)));
  CHECK_FALSE(judge.observe(30'000, usage(10, 1810)));  // quiet window resets the streak
  CHECK_FALSE(judge.observe(40'000, usage(10, 2700)));
  CHECK_FALSE(judge.observe(50'000, usage(10, 3600)));
  CHECK(judge.observe(60'000, usage(10, 4500)));
}

TEST_CASE("sustained resident memory over the limit is a breach") {
  LimitJudge judge({25, 100, 3, 0});
  (void)judge.observe(0, usage(0, 0, 150));
  CHECK_FALSE(judge.observe(10'000, usage(10, 0, 150)));
  CHECK_FALSE(judge.observe(20'000, usage(20, 0, 150)));
  auto breach = judge.observe(30'000, usage(30, 0, 150));
  REQUIRE(breach);
  CHECK(breach->resource == "memory");
  CHECK(breach->measured == doctest::Approx(150.0));
  CHECK(breach->component == "mamori-agent");
}

TEST_CASE("new limits start over; zero disables a limit; vanished and new threads are counted sanely") {
  LimitJudge judge({25, 0, 3, 0});
  (void)judge.observe(0, usage(0, 0, 4000));
  CHECK_FALSE(judge.observe(10'000, usage(0, 900, 4000)));
  CHECK_FALSE(judge.observe(20'000, usage(0, 1800, 4000)));
  judge.setLimits({50, 0, 3, 0});  // a new policy
  CHECK_FALSE(judge.observe(30'000, usage(0, 2700, 4000)));
  // A thread that appears counts from zero; a tid whose counter went back is a new thread.
  ProcessUsage fresh = usage(0, 5, 4000);
  fresh.threads.push_back({3, "mamori-upload", 20});
  CHECK_FALSE(judge.observe(40'000, fresh));
  CHECK(judge.lastCpuPercent() == doctest::Approx(2.5));
}

TEST_CASE("CPU in the first windows after start is not judged; memory is") {
  LimitJudge judge({25, 100, 3, 2});
  (void)judge.observe(0, usage(0, 0, 50));
  // Start-up: 90 % for two windows, not counted.
  CHECK_FALSE(judge.observe(10'000, usage(0, 900, 50)));
  CHECK_FALSE(judge.observe(20'000, usage(0, 1800, 50)));
  // After the grace, three busy windows in a row are a breach as always.
  CHECK_FALSE(judge.observe(30'000, usage(0, 2700, 50)));
  CHECK_FALSE(judge.observe(40'000, usage(0, 3600, 50)));
  auto cpu = judge.observe(50'000, usage(0, 4500, 50));
  REQUIRE(cpu);
  CHECK(cpu->resource == "cpu");
  CHECK(cpu->windows == 3);

  LimitJudge memory({25, 100, 3, 6});
  (void)memory.observe(0, usage(0, 0, 150));
  CHECK_FALSE(memory.observe(10'000, usage(0, 0, 150)));
  CHECK_FALSE(memory.observe(20'000, usage(0, 0, 150)));
  auto breach = memory.observe(30'000, usage(0, 0, 150));
  REQUIRE(breach);
  CHECK(breach->resource == "memory");
}
