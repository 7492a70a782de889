#pragma once
// Tells the collector every interval that this agent is alive (POST /api/v1/heartbeat with one
// agent.heartbeat event). Heartbeats are not spooled and not retried: a stale one is worthless, the
// next interval sends a fresh one. Skipped while not enrolled or while the previous one is on the way.
// The interval is jittered by +-10% each time and the first one comes at a random point of the first
// interval, so a fleet that boots at 9:00 does not knock at the same second ever after. A heartbeat
// with an empty spool behind it is the last request for a while: the connection is closed after it.

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/report/EventFactory.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/Spool.h"
#include "agent/report/Transport.h"

namespace mamori::agent {

struct HeartbeatFacts {
  std::string agentVersion;
  std::string osName;
  std::string kernel;
};

// Which policy is in force, for the collector's status view (policy.* heartbeat details).
struct PolicyStatus {
  std::int64_t version = 0;
  std::string sha256;
  std::string name;
  std::string source;  // "collector", "persisted", "builtin"
  std::int64_t appliedAtMs = 0;
  std::string error;  // the last refusal, "" when none since the policy in force was applied
};

// One fingerprint or exact-data-match set the policy names (content.sets heartbeat details): the
// version in use and the last refusal, so the collector shows per agent which sets it applied.
struct ContentSetStatus {
  std::string kind;  // "fingerprints", "edm"
  std::string name;
  std::int64_t version = 0;  // in use; 0 for none yet
  std::int64_t entries = 0;
  std::int64_t bytes = 0;
  std::int64_t refusedVersion = 0;  // the last refused file's version (as it claims; 0 unknown or none)
  std::string error;                // why it was refused, "" when nothing was refused since the set in use
};

class Heartbeat : public QObject {
  Q_OBJECT

 public:
  // uniform(hi) returns a value in [0, hi] (random by default; tests pass their own).
  using Uniform = std::function<std::int64_t(std::int64_t hi)>;
  static constexpr int kJitterPercent = 10;

  Heartbeat(Transport& transport, IdentityStore& identity, const Spool& spool, EventFactory& events,
            HeartbeatFacts facts, std::int64_t intervalMs, QObject* parent = nullptr, Uniform uniform = {});

  // The first heartbeat comes after a random part of one interval, the next ones every interval +-10%.
  void start();
  void stop();
  // Sends one now (after enrollment, so the collector sees us at once).
  void sendNow();

  common::Event makeEvent();
  // New interval from a policy: takes effect at once (the timer restarts).
  void setInterval(std::int64_t intervalMs);
  std::int64_t intervalMs() const { return intervalMs_; }
  // Reported from now on; sends a heartbeat soon so the collector's view follows quickly.
  void setPolicyStatus(PolicyStatus status);
  // The same for the content sets.
  void setContentSets(std::vector<ContentSetStatus> sets);
  std::int64_t sent() const { return sent_; }
  // Milliseconds until the timer sends the next one (-1 when stopped): for tests.
  std::int64_t nextDelayMs() const { return timer_.isActive() ? timer_.interval() : -1; }

 private:
  void onTimer();
  void scheduleNext(bool first);

  Transport& transport_;
  IdentityStore& identity_;
  const Spool& spool_;
  EventFactory& events_;
  HeartbeatFacts facts_;
  std::int64_t intervalMs_;
  Uniform uniform_;
  QTimer timer_;
  bool inFlight_ = false;
  bool sendAgain_ = false;  // asked to send while one was on the way
  std::optional<PolicyStatus> policy_;
  std::optional<std::vector<ContentSetStatus>> contentSets_;
  bool stopped_ = false;
  int lastStatus_ = 200;
  std::int64_t sent_ = 0;
};

}  // namespace mamori::agent
