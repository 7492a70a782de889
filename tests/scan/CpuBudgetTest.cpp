// The scan CPU budget with fake CPU and wall clocks: the sleeps it asks for, limit changes, stop and
// interrupt; and a scan over a temporary tree paced by it (pace calls and requested sleeps counted, no
// real time measured). Without a budget a scan is not paced at all.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scan/ContentScanner.h"
#include "scan/CpuBudget.h"
#include "tests/scan/ScanTestSupport.h"

using namespace mamori::scan;

namespace {

constexpr std::int64_t kMs = 1'000'000;  // ns
constexpr std::int64_t kSecond = 1000 * kMs;

// Fake process: the test moves wall and CPU time; sleeps move wall time only and are recorded.
struct FakeProcess {
  std::atomic<std::int64_t> wall{1000 * kSecond};
  std::atomic<std::int64_t> cpu{0};
  std::mutex mutex;  // sleeps come from several scan workers
  std::vector<std::int64_t> sleeps;

  // Runs at `rate` cores for `ns` of wall time.
  void run(double rate, std::int64_t ns) {
    wall += ns;
    cpu += static_cast<std::int64_t>(rate * static_cast<double>(ns));
  }

  CpuBudgetClocks clocks(bool fakeSleep = true) {
    CpuBudgetClocks c;
    c.cpuNs = [this] { return cpu.load(); };
    c.wallNs = [this] { return wall.load(); };
    if (fakeSleep) {
      c.sleepNs = [this](std::int64_t ns) {
        const std::lock_guard lock(mutex);
        sleeps.push_back(ns);
        wall += ns;
      };
    }
    return c;
  }
};

// `rate` cores for 10 s, sampled every 100 ms (as pace() calls between files would).
void runSteadily(CpuBudget& budget, FakeProcess& process, double rate) {
  for (int i = 0; i < 100; ++i) {
    process.run(rate, 100 * kMs);
    (void)budget.sleepNeededNs();
  }
}

}  // namespace

TEST_CASE("under the budget nothing sleeps") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());  // 80% of 25% = 20% of a core
  (void)budget.sleepNeededNs();
  runSteadily(budget, process, 0.15);
  CHECK(budget.sleepNeededNs() == 0);
  CHECK(budget.pace() == 0);
  CHECK(process.sleeps.empty());
  CHECK(budget.paceCalls() == 1);
}

TEST_CASE("twice over the budget sleeps until the last window is back within it") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());
  (void)budget.sleepNeededNs();
  runSteadily(budget, process, 0.4);
  // 4 s of CPU in the last 10 s; 2 s allowed: the window must slide 5 s past CPU-free time.
  CHECK(budget.sleepNeededNs() == doctest::Approx(5 * kSecond).epsilon(0.001));
  const std::int64_t slept = budget.pace();
  CHECK(slept == doctest::Approx(5 * kSecond).epsilon(0.001));
  // In slices of at most 250 ms, so a stop flag is looked at often.
  CHECK(process.sleeps.size() >= 20);
  for (const auto ns : process.sleeps) CHECK(ns <= 250 * kMs);
  CHECK(budget.sleepNeededNs() == 0);
  CHECK(budget.sleptNs() == slept);
}

TEST_CASE("a burst is held to the short window's share, so pacing is smooth") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());
  (void)budget.sleepNeededNs();
  process.run(0.2, 100 * kMs);
  CHECK(budget.sleepNeededNs() == 0);
  process.run(2.0, 400 * kMs);  // two cores flat out: 0.82 s of CPU, the 10 s window allows 2 s...
  // ...but any 2 s only 0.4 s: rest until the CPU above that has slid out of the short window
  // (0.82 - 0.4 s is reached 0.2 s into the burst, so the 2 s window must start there).
  const std::int64_t needed = budget.sleepNeededNs();
  CHECK(needed == doctest::Approx(1.8 * kSecond).epsilon(0.001));
  CHECK(budget.pace() == doctest::Approx(static_cast<double>(needed)).epsilon(0.001));
}

TEST_CASE("a new limit applies at once; zero or less disables pacing") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());
  (void)budget.sleepNeededNs();
  runSteadily(budget, process, 0.4);
  CHECK(budget.sleepNeededNs() > 0);
  budget.setLimitPercent(50);  // 40% of a core allowed: exactly what is used
  CHECK(budget.limitPercent() == 50);
  CHECK(budget.sleepNeededNs() == 0);
  budget.setLimitPercent(10);  // 8% allowed: 0.8 s of 4 s; the window slides until 0.8 s remain
  CHECK(budget.sleepNeededNs() == doctest::Approx(8 * kSecond).epsilon(0.001));
  budget.setLimitPercent(0);
  CHECK(budget.sleepNeededNs() == 0);
  CHECK(budget.pace() == 0);
}

TEST_CASE("a long file between two samples counts at its average rate") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());
  (void)budget.sleepNeededNs();
  process.run(1.0, 20 * kSecond);  // one file kept a core busy for 20 s
  // The last 10 s hold 10 s of CPU; 2 s allowed: only a full window of rest brings it back.
  CHECK(budget.sleepNeededNs() == doctest::Approx(8 * kSecond).epsilon(0.001));
}

TEST_CASE("idle time before a scan gives no more than one window's share") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks());
  (void)budget.sleepNeededNs();
  process.run(0.01, 3600 * kSecond);  // an hour of the agent idling
  (void)budget.sleepNeededNs();
  process.run(1.0, 5 * kSecond);  // then a scan at a full core
  CHECK(budget.sleepNeededNs() > 2 * kSecond);
}

TEST_CASE("a stop flag ends pace() at once and interrupt() wakes a sleeping one") {
  FakeProcess process;
  CpuBudget budget(25, process.clocks(/*fakeSleep=*/false));  // real condition-variable sleeps
  (void)budget.sleepNeededNs();
  process.run(1.0, 10 * kSecond);  // far over; the fake wall clock never moves, so only a stop ends it
  std::atomic<bool> stop{true};
  CHECK(budget.pace(&stop) == 0);

  stop = false;
  auto pacing = std::async(std::launch::async, [&] { return budget.pace(&stop); });
  // Wait (with a deadline) until it is inside pace(), then stop it the way the capability does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (budget.paceCalls() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  stop = true;
  budget.interrupt();
  REQUIRE(pacing.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(pacing.get() == 0);  // the fake wall clock did not move
}

TEST_CASE("an agent scan with a tiny budget is paced before every file; without one it is not") {
  test::TempDir tree;
  constexpr int kFiles = 40;
  for (int i = 0; i < kFiles; ++i)
    test::writeFile(tree.path() + "/d" + std::to_string(i % 4) + "/f" + std::to_string(i) + ".txt",
                    "plain text " + std::to_string(i));
  ScanConfig config = test::builtinConfig();
  config.threads = 2;
  std::atomic<bool> stop{false};

  FakeProcess process;
  auto budget = std::make_shared<CpuBudget>(1, process.clocks());
  ContentScanner paced(config);
  paced.setCpuBudget(budget);
  // Every file "costs" 50 ms of CPU while the wall clock stands still (it moves only in sleeps).
  paced.setProgress([&](const std::string&, std::int64_t) { process.cpu += 50 * kMs; });
  auto summary = paced.run(
      {tree.path()}, [](const FileResult&) {}, &stop);
  REQUIRE(summary);
  CHECK(summary.value().files == kFiles);
  CHECK(budget->paceCalls() == kFiles);
  CHECK(budget->sleptNs() > 0);
  // 0.8% of a core: 80 ms of CPU per 10 s window, so the 2 s of CPU take well over 100 s (of fake
  // time), in short slices.
  CHECK(budget->sleptNs() >= 100 * kSecond);
  for (const auto ns : process.sleeps) CHECK(ns <= 250 * kMs);

  const std::int64_t sleepsBefore = static_cast<std::int64_t>(process.sleeps.size());
  ContentScanner fullSpeed(config);  // the CLI and the inspection tool: no budget
  auto unpaced = fullSpeed.run(
      {tree.path()}, [](const FileResult&) {}, &stop);
  REQUIRE(unpaced);
  CHECK(unpaced.value().files == kFiles);
  CHECK(static_cast<std::int64_t>(process.sleeps.size()) == sleepsBefore);
  CHECK(budget->paceCalls() == kFiles);
}
