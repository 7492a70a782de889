#include "common/Backoff.h"

#include <algorithm>
#include <random>

namespace mamori::common {

Backoff::Backoff(BackoffSettings settings, Uniform uniform) : settings_(settings), uniform_(std::move(uniform)) {
  if (!uniform_) {
    uniform_ = [engine = std::mt19937_64{std::random_device{}()}](std::int64_t hi) mutable {
      return std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(hi, 0))(engine);
    };
  }
}

std::int64_t Backoff::ceilingMs(int attempt) const {
  std::int64_t ceiling = std::max<std::int64_t>(settings_.baseMs, 1);
  for (int i = 0; i < attempt && ceiling < settings_.capMs; ++i) ceiling *= 2;
  return std::min(ceiling, settings_.capMs);
}

std::int64_t Backoff::nextDelayMs() {
  const std::int64_t ceiling = ceilingMs(attempt_);
  if (attempt_ < 62) ++attempt_;
  return std::clamp<std::int64_t>(uniform_(ceiling), 0, ceiling);
}

}  // namespace mamori::common
