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
