#include "common/Backoff.h"

#include <algorithm>
#include <random>

namespace mamori::common {

Backoff::Uniform makeRandomUniform() {
  return [engine = std::mt19937_64{std::random_device{}()}](std::int64_t hi) mutable {
    return std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(hi, 0))(engine);
  };
}

Backoff::Backoff(BackoffSettings settings, Uniform uniform) : settings_(settings), uniform_(std::move(uniform)) {
  if (!uniform_) uniform_ = makeRandomUniform();
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

std::int64_t Backoff::nextDelayAtCapMs() {
  if (attempt_ < 62) ++attempt_;
  const std::int64_t half = settings_.capMs / 2;
  return settings_.capMs - half + std::clamp<std::int64_t>(uniform_(half), 0, half);
}

std::int64_t Backoff::nextDelayMs(std::optional<std::int64_t> retryAfterMs) {
  const std::int64_t jittered = nextDelayMs();
  if (!retryAfterMs) return jittered;
  const std::int64_t wait = std::clamp<std::int64_t>(*retryAfterMs, 0, kMaxRetryAfterMs);
  const std::int64_t spread = std::clamp<std::int64_t>(uniform_(wait / 10), 0, wait / 10);
  return std::max(jittered, wait + spread);
}

}  // namespace mamori::common
