#pragma once
// Full-jitter exponential backoff: delay = random(0, min(cap, base * 2^attempt)).
// Pure apart from the random source, which is injected so tests are exact.

#include <cstdint>
#include <functional>
#include <optional>

namespace mamori::common {

struct BackoffSettings {
  std::int64_t baseMs = 500;
  std::int64_t capMs = 60'000;
};

class Backoff {
 public:
  // uniform(hi) must return a value in [0, hi].
  using Uniform = std::function<std::int64_t(std::int64_t hi)>;

  explicit Backoff(BackoffSettings settings, Uniform uniform = {});

  // Delay before the next attempt after one more failure.
  std::int64_t nextDelayMs();
  // The same, when the answer carried Retry-After (429, 503): the longer of the full-jitter delay and
  // the server's wait. The wait is capped at kMaxRetryAfterMs (a wrong or hostile header must not park
  // the caller for days) and stretched by up to a tenth at random, so a fleet told "5 s" at the same
  // moment does not come back in the same second.
  std::int64_t nextDelayMs(std::optional<std::int64_t> retryAfterMs);
  static constexpr std::int64_t kMaxRetryAfterMs = std::int64_t{10} * 60 * 1000;
  // After a failure more attempts will not fix soon: between half the cap and the cap, at random
  // (counts as a failure too).
  std::int64_t nextDelayAtCapMs();
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

  // The ceiling for a given attempt number, without jitter.
  std::int64_t ceilingMs(int attempt) const;

 private:
  BackoffSettings settings_;
  Uniform uniform_;
  int attempt_ = 0;
};

// A random Uniform (uniform integers in [0, hi]) for production use: Backoff's default, and the
// heartbeat's jitter.
Backoff::Uniform makeRandomUniform();

}  // namespace mamori::common
