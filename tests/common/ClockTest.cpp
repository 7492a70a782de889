#include <doctest/doctest.h>

#include "common/Clock.h"

using namespace mamori::common;

TEST_CASE("UTC timestamps format with milliseconds and parse back") {
  CHECK(formatUtcMs(0) == "1970-01-01T00:00:00.000Z");
  CHECK(formatUtcMs(1'763'866'083'123) == "2025-11-23T02:48:03.123Z");
  CHECK(parseUtcMs("2025-11-23T02:48:03.123Z") == 1'763'866'083'123);
  CHECK(parseUtcMs("2024-02-29T00:00:00Z") == 1'709'164'800'000);
  CHECK(parseUtcMs("2025-11-23T02:48:03.1Z") == 1'763'866'083'100);
  CHECK(parseUtcMs("2025-11-23T02:48:03.123456789Z") == 1'763'866'083'123);
}

TEST_CASE("malformed timestamps are refused") {
  for (const char* bad : {"", "2025-11-23", "2025-11-23T02:48:03", "2025-11-23T02:48:03+09:00", "2023-02-29T00:00:00Z",
                          "2025-13-01T00:00:00Z", "2025-11-23T24:00:00Z", "2025-11-23T02:48:03.Z",
                          "2025-11-23T02:48:03.1234567890Z", "2025-11-23T02:48:03.123Zx", "x025-11-23T02:48:03Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseUtcMs(bad).has_value());
  }
}

TEST_CASE("durations") {
  CHECK(parseDurationMs("90s") == 90'000);
  CHECK(parseDurationMs("15m") == 900'000);
  CHECK(parseDurationMs("1h") == 3'600'000);
  CHECK(parseDurationMs("7d") == 604'800'000);
  CHECK_FALSE(parseDurationMs("h").has_value());
  CHECK_FALSE(parseDurationMs("1w").has_value());
  CHECK_FALSE(parseDurationMs("-1h").has_value());
}

TEST_CASE("the fake clock is set and advanced by tests") {
  FakeClock clock(1000);
  clock.advance(500);
  CHECK(clock.nowMs() == 1500);
}
