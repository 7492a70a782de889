#include <doctest/doctest.h>

#include <limits>

#include "common/RetryAfter.h"

using mamori::common::parseRetryAfterMs;

namespace {
constexpr std::int64_t kNow = 784111777000;  // Sun, 06 Nov 1994 08:49:37 GMT
}

TEST_CASE("Retry-After in seconds") {
  CHECK(parseRetryAfterMs("120", kNow) == 120'000);
  CHECK(parseRetryAfterMs("0", kNow) == 0);
  CHECK(parseRetryAfterMs(" 5 ", kNow) == 5000);
}

TEST_CASE("Retry-After as an HTTP-date is the time left until then") {
  CHECK(parseRetryAfterMs("Sun, 06 Nov 1994 08:50:07 GMT", kNow) == 30'000);
  CHECK(parseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT", kNow) == 0);
  CHECK(parseRetryAfterMs("Sat, 05 Nov 1994 08:49:37 GMT", kNow) == 0);  // past: no wait
}

TEST_CASE("a huge number of seconds saturates instead of overflowing") {
  const auto ms = parseRetryAfterMs("99999999999999999999999999", kNow);
  REQUIRE(ms);
  CHECK(*ms > 0);
  CHECK(*ms <= std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("anything else is not a Retry-After") {
  for (const char* bad : {"", "  ", "-5", "5s", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 +0900",
                          "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseRetryAfterMs(bad, kNow));
  }
}
