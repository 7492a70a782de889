#pragma once
// Keeps the agent on its group's current policy (docs/policy.md, issue 3):
//  - at start: the persisted policy (policy.json, else policy.json.prev, verified again) or the
//    built-in default, applied to every capability and reported (policy.applied / policy.fallback);
//  - then GET /api/v1/policy at once (or right after enrollment) and every
//    reporting.policy_poll_interval_ms, jittered by ±10% so a fleet does not poll in step;
//  - a delivered envelope passes policy::acceptSignedPolicy against the pinned key, the applied
//    version and the agent's group, or is refused (policy.rejected) and the last good policy stays.
// Timers only; the network runs on the transport's worker thread. Runs on the Qt main thread.

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "agent/core/CapabilityRegistry.h"
#include "agent/policysync/PolicyFiles.h"
#include "agent/report/EventFactory.h"
#include "agent/report/Heartbeat.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/Spool.h"
#include "agent/report/Transport.h"
#include "common/Clock.h"
#include "policy/Policy.h"

namespace mamori::agent {

class PolicySync : public QObject {
  Q_OBJECT

 public:
  // Returns a factor in [0.9, 1.1] for the next poll delay; tests pass a fixed one.
  using Jitter = std::function<double()>;

  PolicySync(Transport& transport, IdentityStore& identity, Spool& spool, EventFactory& events,
             CapabilityRegistry& capabilities, const std::string& stateDir, const common::Clock& clock,
             Jitter jitter = {}, QObject* parent = nullptr);

  // Applies the persisted or built-in policy; then fetches when enrolled and starts polling.
  // Always Ok today: an unreadable pinned key is logged and leaves the built-in policy in force
  // (the Status leaves room for a failure that must stop the agent).
  common::Status start();
  // A policy file named on the command line (--policy, for trials and tests), set before start():
  // applied over a persisted collector policy, or installed instead of the built-in one when none is
  // persisted, so the built-in policy never acts first (it could stop what the file allows). A
  // policy the collector pushes later replaces it.
  void setLocalPolicy(policy::Policy policy, std::string path, std::string sha256);
  void stop();
  // Asks the collector now (a fetch in flight is followed by one more).
  void fetchNow();
  // After enrollment: pins the collector's policy key (first enrollment only), adopts the group
  // the collector assigned, fetches.
  void onEnrolled(const std::string& enrollAnswer);

  const policy::Policy& policy() const { return current_; }
  const PolicyStatus& status() const { return status_; }
  // 0 while the built-in policy is in force (docs/decisions/0006).
  std::int64_t appliedVersion() const { return appliedVersion_; }
  std::string group() const;
  bool pinned() const { return pinned_.has_value(); }
  std::int64_t nextPollMs() const { return nextPollMs_; }
  bool fetching() const { return inFlight_; }

 signals:
  void eventsSpooled();  // policy.* events were spooled: the uploader may send them
  void statusChanged();  // status() changed: the heartbeat reports it
  // The answers to this agent's exception requests that came with a poll (the JSON array of
  // docs/api.md "Exception requests"); agent/device/ExceptionRequests acts on them.
  void exceptionAnswers(const std::string& answersJson);

 private:
  void onAnswer(const TransportResult& result);
  void consider(const std::string& envelope);
  void install(const policy::Policy& policy, const std::string& sha256, const std::string& envelope,
               const char* source);
  void adoptGroup(const std::string& group);
  struct LocalPolicy {
    policy::Policy policy;
    std::string path;
    std::string sha256;
  };
  std::optional<LocalPolicy> local_;
  void reportRejection(const std::string& envelope, const policy::PolicyRejection& rejection);
  void reportFallback(const PolicyFileProblem& problem, const std::string& fallbackTo);
  void scheduleNextPoll();
  void spool(common::Event event);

  Transport& transport_;
  IdentityStore& identity_;
  Spool& spool_;
  EventFactory& events_;
  CapabilityRegistry& capabilities_;
  PolicyFiles files_;
  const common::Clock& clock_;
  Jitter jitter_;
  std::optional<common::PublicKey> pinned_;

  policy::Policy current_;
  std::string currentEnvelope_;  // "" while the built-in policy is in force
  std::string currentSha256_;
  std::int64_t appliedVersion_ = 0;
  std::string lastRejected_;  // sha256 of the last refused envelope: reported once, not every poll
  PolicyStatus status_;

  QTimer timer_;
  std::int64_t nextPollMs_ = 0;
  bool inFlight_ = false;
  bool fetchAgain_ = false;
  bool stopped_ = true;
  int lastFailure_ = 200;
};

}  // namespace mamori::agent
