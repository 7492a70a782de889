#include "agent/report/RetryScheduler.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace mamori::agent {

RetryScheduler::RetryScheduler(common::BackoffSettings settings, common::Backoff::Uniform uniform, QObject* parent)
    : QObject(parent), settings_(settings), uniform_(std::move(uniform)), backoff_(settings, uniform_) {
  timer_.setSingleShot(true);
  // Qt's default coarse timers may fire up to 5% early; a collector's Retry-After is a lower bound.
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, &RetryScheduler::fire);
}

std::int64_t RetryScheduler::retryLater(std::function<void()> action, std::optional<std::int64_t> retryAfterMs) {
  const std::int64_t delay = backoff_.nextDelayMs(retryAfterMs);
  schedule(delay, std::move(action));
  return delay;
}

std::int64_t RetryScheduler::retryAtCap(std::function<void()> action) {
  const std::int64_t delay = backoff_.nextDelayAtCapMs();
  schedule(delay, std::move(action));
  return delay;
}

void RetryScheduler::schedule(std::int64_t delayMs, std::function<void()> action) {
  action_ = std::move(action);
  lastDelayMs_ = delayMs;
  timer_.start(static_cast<int>(std::clamp<std::int64_t>(delayMs, 0, INT_MAX)));
}

void RetryScheduler::setSettings(common::BackoffSettings settings) {
  settings_ = settings;
  backoff_ = common::Backoff(settings, uniform_);
}

void RetryScheduler::cancel() {
  timer_.stop();
  action_ = nullptr;
}

void RetryScheduler::fireNow() {
  if (!timer_.isActive()) return;
  timer_.stop();
  fire();
}

void RetryScheduler::fire() {
  auto action = std::exchange(action_, nullptr);
  if (action) action();
}

}  // namespace mamori::agent
