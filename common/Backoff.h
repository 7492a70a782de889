#pragma once
// Full-jitter exponential backoff: delay = random(0, min(cap, base * 2^attempt)).
// Pure apart from the random source, which is injected so tests are exact.

#include <cstdint>
#include <functional>

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
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

  // The ceiling for a given attempt number, without jitter.
  std::int64_t ceilingMs(int attempt) const;

 private:
  BackoffSettings settings_;
  Uniform uniform_;
  int attempt_ = 0;
};

}  // namespace mamori::common
