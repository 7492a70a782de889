#pragma once
// The one place retries are timed. Whatever failed (an upload, an enrollment) hands the scheduler the
// action to try again; the scheduler waits with full-jitter exponential backoff on a Qt timer, so
// nothing ever sleeps in a handler. One pending action at a time: the report pipeline does one thing
// at a time (enroll, then upload), and a new schedule replaces the old one.

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>

#include "common/Backoff.h"

namespace mamori::agent {

class RetryScheduler : public QObject {
  Q_OBJECT

 public:
  explicit RetryScheduler(common::BackoffSettings settings, common::Backoff::Uniform uniform = {},
                          QObject* parent = nullptr);

  // After a failure: wait the next backoff delay, then run action. Returns the delay chosen. With
  // retryAfterMs (the collector's Retry-After on 429/503), the longer of that and the backoff
  // (common::Backoff::nextDelayMs: capped, stretched a little at random).
  std::int64_t retryLater(std::function<void()> action, std::optional<std::int64_t> retryAfterMs = std::nullopt);
  // After a failure that more attempts will not fix soon (no credentials): wait between half the cap
  // and the cap, at random, so agents refused together do not return together.
  std::int64_t retryAtCap(std::function<void()> action);
  // After a success: the next failure starts from the base delay again.
  void reset() { backoff_.reset(); }
  void cancel();
  // New backoff bounds from a policy; the failure count starts over.
  void setSettings(common::BackoffSettings settings);

  bool pending() const { return timer_.isActive(); }
  int failures() const { return backoff_.attempts(); }
  std::int64_t lastDelayMs() const { return lastDelayMs_; }
  // Tests: run the pending action now instead of waiting.
  void fireNow();

 private:
  void schedule(std::int64_t delayMs, std::function<void()> action);
  void fire();

  common::BackoffSettings settings_;
  common::Backoff::Uniform uniform_;
  common::Backoff backoff_;
  QTimer timer_;
  std::function<void()> action_;
  std::int64_t lastDelayMs_ = 0;
};

}  // namespace mamori::agent
