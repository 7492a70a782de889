#include <doctest/doctest.h>

#include "common/Backoff.h"

using namespace mamori::common;

TEST_CASE("ceilings double from the base up to the cap") {
  Backoff backoff({500, 60'000});
  CHECK(backoff.ceilingMs(0) == 500);
  CHECK(backoff.ceilingMs(1) == 1000);
  CHECK(backoff.ceilingMs(6) == 32'000);
  CHECK(backoff.ceilingMs(7) == 60'000);
  CHECK(backoff.ceilingMs(1000) == 60'000);
}

TEST_CASE("delays are full jitter: drawn from zero to the current ceiling") {
  std::vector<std::int64_t> asked;
  Backoff backoff({100, 1000}, [&asked](std::int64_t hi) {
    asked.push_back(hi);
    return hi;  // the highest possible draw
  });
  CHECK(backoff.nextDelayMs() == 100);
  CHECK(backoff.nextDelayMs() == 200);
  CHECK(backoff.nextDelayMs() == 400);
  CHECK(backoff.nextDelayMs() == 800);
  CHECK(backoff.nextDelayMs() == 1000);
  CHECK(backoff.nextDelayMs() == 1000);
  CHECK(backoff.attempts() == 6);
  backoff.reset();
  CHECK(backoff.nextDelayMs() == 100);
}

TEST_CASE("a misbehaving random source cannot push a delay outside [0, ceiling]") {
  Backoff high({100, 1000}, [](std::int64_t hi) { return hi * 10; });
  CHECK(high.nextDelayMs() == 100);
  Backoff low({100, 1000}, [](std::int64_t) { return -5; });
  CHECK(low.nextDelayMs() == 0);
}

TEST_CASE("the default random source stays in range") {
  Backoff backoff({50, 400});
  for (int i = 0; i < 100; ++i) {
    const auto ceiling = backoff.ceilingMs(backoff.attempts());
    const auto delay = backoff.nextDelayMs();
    CHECK(delay >= 0);
    CHECK(delay <= ceiling);
  }
}

TEST_CASE("Retry-After: the longer of the server's wait and the full-jitter delay") {
  std::int64_t draw = 0;
  Backoff backoff({1000, 60'000}, [&draw](std::int64_t hi) { return std::min(draw, hi); });
  draw = 0;  // the lowest draw: the server's wait wins, unstretched
  CHECK(backoff.nextDelayMs(std::int64_t{5000}) == 5000);
  draw = 400;  // the wait is stretched by at most a tenth (500 here), never shortened
  CHECK(backoff.nextDelayMs(std::int64_t{5000}) == 5400);
  draw = 60'000;  // a jittered delay longer than the wait wins (attempt 3: ceiling 4000 < 5000+500)
  CHECK(backoff.nextDelayMs(std::int64_t{100}) == 4000);
  CHECK(backoff.attempts() == 3);  // each counts as one failure
  draw = 0;
  CHECK(backoff.nextDelayMs(std::nullopt) == 0);
}

TEST_CASE("Retry-After: a wait longer than ten minutes is capped") {
  Backoff backoff({500, 60'000}, [](std::int64_t) { return std::int64_t{0}; });
  CHECK(backoff.nextDelayMs(std::int64_t{86'400'000}) == Backoff::kMaxRetryAfterMs);
  CHECK(backoff.nextDelayMs(std::int64_t{-5}) == 0);
}

TEST_CASE("at the cap: between half the cap and the cap, at random") {
  std::int64_t draw = 0;
  Backoff backoff({500, 60'000}, [&draw](std::int64_t hi) { return std::min(draw, hi); });
  CHECK(backoff.nextDelayAtCapMs() == 30'000);
  draw = 1'000'000;
  CHECK(backoff.nextDelayAtCapMs() == 60'000);
  CHECK(backoff.attempts() == 2);
}
