#pragma once
// Wall-clock time as UTC milliseconds, behind an interface so tests can set the time.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t nowMs() const = 0;  // Unix epoch milliseconds, UTC
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowMs() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t startMs) : now_(startMs) {}
  std::int64_t nowMs() const override { return now_.load(); }
  void advance(std::int64_t ms) { now_ += ms; }
  void set(std::int64_t ms) { now_ = ms; }

 private:
  std::atomic<std::int64_t> now_;
};

// "2026-11-23T02:48:03.123Z" (always UTC, always milliseconds).
std::string formatUtcMs(std::int64_t unixMs);

// Accepts exactly the form formatUtcMs writes, plus an optional fraction of 0..9 digits
// ("2026-11-23T02:48:03Z", "...03.5Z"). Anything else is nullopt.
std::optional<std::int64_t> parseUtcMs(std::string_view text);

// "90s", "15m", "1h", "7d" -> milliseconds; nullopt if malformed. Used by CLI --since options.
std::optional<std::int64_t> parseDurationMs(std::string_view text);

}  // namespace mamori::common
