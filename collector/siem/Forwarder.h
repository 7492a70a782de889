#pragma once
// One worker thread per sink: reads stored events after the sink's cursor, hands them to the sink,
// and moves the persisted cursor past what the sink acknowledged. It reads from the database, never
// from the ingest path, so a slow or dead sink only grows its lag; ingest does not wait for it.
//
// Several collectors on one PostgreSQL: a sink is forwarded by the collector that holds its lease
// (a row in siem_cursors, renewed every lease/3); the others stand by and take over when it expires.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "collector/siem/ForwardStore.h"
#include "collector/siem/SiemConfig.h"
#include "collector/siem/Sink.h"
#include "collector/store/PeriodicWorker.h"
#include "common/Backoff.h"
#include "common/Clock.h"

namespace mamori::collector::siem {

struct ForwarderSettings {
  std::string owner;  // this collector process: names it in lease rows
  std::int64_t leaseMs = 30'000;
  std::int64_t pollMs = 500;
  // Unconfirmed syslog events are confirmed (settled) at least this often and every this many
  // events: the at-least-once window after a receiver dies without a trace.
  std::int64_t settleEveryMs = 1000;
  std::size_t settleEveryEvents = 5000;
  common::BackoffSettings backoff{500, 30'000};
};

struct SinkStatus {
  std::string name;
  bool leader = false;
  IngestKey cursor;
  std::int64_t lag = -1;        // -1 until first counted
  std::uint64_t forwarded = 0;  // by this process since it started
  std::uint64_t errors = 0;
  std::string lastError;
  std::int64_t lastErrorMs = 0;
  std::int64_t lastAckMs = 0;
};

class Forwarder {
 public:
  Forwarder(SinkConfig config, std::unique_ptr<Sink> sink, std::unique_ptr<ForwardStore> store,
            ForwarderSettings settings, const common::Clock& clock);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  void start();
  // Stops after the current step; what was sent but not acknowledged is sent again next time.
  void stop();

  SinkStatus status() const;

  // One round of the loop (lease, read, send, settle, save); false when it failed and the caller
  // should back off. Public so tests can drive a forwarder without its thread.
  bool step(bool& idle);

 private:
  // One round on the worker thread: how long to wait before the next (none while busy, the poll
  // interval when caught up, the backoff after a failure).
  std::chrono::milliseconds round();
  // After the worker stopped: a clean stop confirms what it sent, so a restart does not send it again.
  void confirmSent();
  void fail(const common::Error& error);
  void refreshLag(bool unthrottled);

  SinkConfig config_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<ForwardStore> store_;
  ForwarderSettings settings_;
  const common::Clock& clock_;
  common::Backoff backoff_;

  // Loop state (the worker thread only).
  bool leader_ = false;
  std::int64_t leaseRenewAtMs_ = 0;
  IngestKey acked_;
  IngestKey sent_;
  std::size_t unsettled_ = 0;
  std::int64_t sentCount_ = 0;  // events sent since acked_
  std::int64_t lastSettleMs_ = 0;
  std::int64_t lagCountedAtMs_ = 0;

  mutable std::mutex mutex_;  // status_
  SinkStatus status_;
  bool started_ = false;
  bool confirmed_ = false;
  store::PeriodicWorker worker_;  // last: stopped before the state its rounds use goes
};

}  // namespace mamori::collector::siem
