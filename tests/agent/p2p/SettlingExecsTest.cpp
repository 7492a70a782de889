// Execs held until they settle: a process that exited meanwhile is dropped unread, one still running
// is handed on once due (a burst within the slack in one go), an exec chain is one entry.
#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "agent/p2p/SettlingExecs.h"

using mamori::agent::p2p::SettlingExecs;
using mamori::drivers::ProcessEvent;
using std::chrono::milliseconds;

namespace {
constexpr auto kStart = SettlingExecs::Clock::time_point{} + std::chrono::hours(1);
ProcessEvent exec(pid_t pid, std::uint64_t ns = 0) { return {ProcessEvent::Kind::kExec, pid, ns}; }
ProcessEvent exitOf(pid_t pid) { return {ProcessEvent::Kind::kExit, pid, 0}; }
ProcessEvent fork(pid_t pid) { return {ProcessEvent::Kind::kFork, pid, 0}; }
std::vector<pid_t> pids(const std::vector<ProcessEvent>& events) {
  std::vector<pid_t> out;
  out.reserve(events.size());
  for (const auto& event : events) out.push_back(event.pid);
  return out;
}
}  // namespace

TEST_CASE("a process that exits before its exec settled is never handed on") {
  SettlingExecs execs(milliseconds(4), milliseconds(3));
  CHECK(execs.add(fork(100), kStart));  // forks and exits pass through at once
  CHECK_FALSE(execs.add(exec(100), kStart));
  CHECK(execs.held() == 1);
  CHECK(execs.nextDue() == kStart + milliseconds(4));
  CHECK(execs.add(exitOf(100), kStart + milliseconds(1)));
  CHECK(execs.held() == 0);
  CHECK_FALSE(execs.nextDue());
  CHECK(execs.exitedBeforeLook() == 1);
  CHECK(execs.takeDue(kStart + milliseconds(10)).empty());
  // An exit of a pid that holds nothing (its exec was handed on, or came before the subscription).
  CHECK(execs.add(exitOf(7), kStart + milliseconds(11)));
  CHECK(execs.exitedBeforeLook() == 1);
}

TEST_CASE("what still runs is handed on once settled, a burst in one go, in the order heard") {
  SettlingExecs execs(milliseconds(4), milliseconds(3));
  execs.add(exec(1, 11), kStart);
  execs.add(exec(2, 22), kStart + milliseconds(1));
  execs.add(exec(3, 33), kStart + milliseconds(2));
  execs.add(exitOf(2), kStart + milliseconds(2));  // from the middle: the others keep their order
  execs.add(exec(4, 44), kStart + milliseconds(6));
  CHECK(execs.takeDue(kStart).empty());  // due at 4 ms: more than the slack away
  // At 1 ms: 1 (due at 4) is within the slack, 3 (due at 6) is not.
  const auto first = execs.takeDue(kStart + milliseconds(1));
  CHECK(pids(first) == std::vector<pid_t>{1});
  CHECK(first[0].timestampNs == 11);
  CHECK(execs.nextDue() == kStart + milliseconds(6));
  // Late (the main thread was busy): everything due at once.
  CHECK(pids(execs.takeDue(kStart + milliseconds(20))) == std::vector<pid_t>{3, 4});
  CHECK(execs.held() == 0);
  CHECK_FALSE(execs.nextDue());
}

TEST_CASE("an exec chain is one entry: the first exec's due time, the last exec's kernel time") {
  SettlingExecs execs(milliseconds(4), milliseconds(0));
  execs.add(exec(5, 100), kStart);
  execs.add(exec(5, 200), kStart + milliseconds(3));  // the launcher script execs the client
  CHECK(execs.held() == 1);
  CHECK(execs.nextDue() == kStart + milliseconds(4));
  const auto due = execs.takeDue(kStart + milliseconds(4));
  REQUIRE(due.size() == 1);
  CHECK(due[0].timestampNs == 200);
  // The pid reused after an exit is a new entry.
  execs.add(exec(5, 300), kStart + milliseconds(5));
  execs.add(exitOf(5), kStart + milliseconds(6));
  execs.add(exec(5, 400), kStart + milliseconds(7));
  const auto reused = execs.takeDue(kStart + milliseconds(11));
  REQUIRE(reused.size() == 1);
  CHECK(reused[0].timestampNs == 400);
  execs.add(exec(6), kStart + milliseconds(12));
  execs.clear();
  CHECK(execs.held() == 0);
  CHECK(execs.takeDue(kStart + milliseconds(40)).empty());
  execs.add(exec(6, 1), kStart + milliseconds(41));  // usable after clear
  CHECK(pids(execs.takeDue(kStart + milliseconds(45))) == std::vector<pid_t>{6});
}
