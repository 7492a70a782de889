#pragma once
// Moves spooled events to the collector: enrolls when there is no node key, then sends batches in
// spool order, one at a time, and acts on each answer (UploadOutcome): delivered -> remove and send
// the next at once; retry -> the RetryScheduler decides when; final -> set aside and report; auth
// failed -> re-enroll (or wait at the cap without a secret); too large -> halve the batch. An event
// leaves the spool only after the collector acknowledged it. Runs on the Qt main thread.

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/report/Enrollment.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/RetryScheduler.h"
#include "agent/report/Spool.h"
#include "agent/report/Transport.h"

namespace mamori::agent {

struct UploaderSettings {
  std::int64_t batchMaxEvents = 2000;
  std::int64_t batchMaxBytes = 1 << 20;
  std::string enrollSecretFile;  // "" = cannot enroll (only an existing node key works)
  EnrollFacts enrollFacts;
};

class Uploader : public QObject {
  Q_OBJECT

 public:
  enum class State { Idle, Enrolling, Sending, Waiting, Stopped };

  Uploader(Spool& spool, Transport& transport, RetryScheduler& scheduler, IdentityStore& identity,
           UploaderSettings settings, QObject* parent = nullptr);

  // New events were spooled: start sending if nothing is going on.
  void kick();
  // Clean stop: keep delivering while the collector accepts, until the spool is empty or graceMs
  // passed; a retry wait ends it at once. Then done() runs (once), and answers arriving later are
  // ignored (their events stay spooled and are sent again on the next start: ids make it safe).
  void finish(int graceMs, std::function<void()> done);

  State state() const { return state_; }
  bool idle() const { return state_ == State::Idle; }
  std::int64_t batchMaxEvents() const { return maxEvents_; }
  std::int64_t batchMaxBytes() const { return maxBytes_; }
  std::int64_t delivered() const { return delivered_; }
  // The body of the last successful enroll answer (the policy sync reads the policy key from it).
  const std::string& lastEnrollAnswer() const { return lastEnrollAnswer_; }
  // New batch bounds from a policy; the next batch uses them.
  void setBatchLimits(std::int64_t maxEvents, std::int64_t maxBytes);

 signals:
  void drained();   // the spool is empty after a delivery
  void enrolled();  // a node key was obtained

 private:
  void next();
  void sendBatch();
  void onBatchAnswer(const std::vector<std::string>& ids, std::int64_t bytes, const TransportResult& result);
  void startEnroll();
  void onEnrollAnswer(const TransportResult& result);
  // retryAfterMs: the collector's Retry-After, if it sent one (the scheduler waits at least that).
  void waitAndRetry(void (Uploader::*action)(), bool atCap, std::optional<std::int64_t> retryAfterMs = std::nullopt);
  void complete();

  Spool& spool_;
  Transport& transport_;
  RetryScheduler& scheduler_;
  IdentityStore& identity_;
  UploaderSettings settings_;
  State state_ = State::Idle;
  std::int64_t maxEvents_;
  std::int64_t maxBytes_;
  int successesSinceShrink_ = 0;
  std::int64_t delivered_ = 0;
  bool warnedNoCredentials_ = false;
  std::string lastEnrollAnswer_;
  bool finishing_ = false;
  std::function<void()> finishDone_;
  QTimer finishDeadline_;
};

}  // namespace mamori::agent
