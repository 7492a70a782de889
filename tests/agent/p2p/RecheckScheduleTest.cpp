// The recheck schedule: due order per delay, bursts taken in one go within the slack, a cap per delay.
#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "agent/p2p/RecheckSchedule.h"

using mamori::agent::p2p::RecheckSchedule;
using std::chrono::milliseconds;

TEST_CASE("rechecks fall due at each delay after their exec, a burst in one go") {
  RecheckSchedule schedule({milliseconds(15), milliseconds(150)}, milliseconds(5));
  const auto t0 = RecheckSchedule::Clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(schedule.nextDue());
  schedule.add(100, t0);
  schedule.add(101, t0 + milliseconds(3));
  schedule.add(102, t0 + milliseconds(40));
  CHECK(schedule.size() == 6);
  REQUIRE(schedule.nextDue());
  CHECK(*schedule.nextDue() == t0 + milliseconds(15));
  CHECK(schedule.takeDue(t0 + milliseconds(9)).empty());  // 15 ms is more than the slack away
  // At 13 ms both first rechecks are within the 5 ms slack (due at 15 and 18): one wake-up for both.
  CHECK(schedule.takeDue(t0 + milliseconds(13)) == std::vector<pid_t>{100, 101});
  CHECK(*schedule.nextDue() == t0 + milliseconds(55));
  CHECK(schedule.takeDue(t0 + milliseconds(55)) == std::vector<pid_t>{102});
  CHECK(*schedule.nextDue() == t0 + milliseconds(150));
  // Late (the main thread was busy): everything overdue comes at once, in due order per delay.
  CHECK(schedule.takeDue(t0 + milliseconds(400)) == std::vector<pid_t>{100, 101, 102});
  CHECK(schedule.size() == 0);
  CHECK_FALSE(schedule.nextDue());
}

TEST_CASE("a fork storm fills each delay's queue up to its cap, no further") {
  RecheckSchedule schedule({milliseconds(15), milliseconds(1000)}, milliseconds(5), 3);
  const auto t0 = RecheckSchedule::Clock::time_point{} + std::chrono::hours(1);
  for (pid_t pid = 1; pid <= 5; ++pid) schedule.add(pid, t0);
  CHECK(schedule.size() == 6);
  CHECK(schedule.dropped() == 4);
  CHECK(schedule.takeDue(t0 + milliseconds(15)) == std::vector<pid_t>{1, 2, 3});
  schedule.add(9, t0 + milliseconds(20));  // room again in the first queue, not in the second
  CHECK(schedule.size() == 4);
  schedule.clear();
  CHECK(schedule.size() == 0);
}
