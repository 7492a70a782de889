#pragma once
// Keeps the fingerprint and exact-data-match sets the policy names (content_scan.fingerprints,
// content_scan.edm; docs/policy.md, docs/decisions/0035) on this agent:
//  - at apply: the last good copy of each named set is read from <state>/content-sets/ and verified
//    again (signature by the pinned collector key, the fleet key); then each set is asked from the
//    collector (GET /api/v1/fingerprint-artifacts/{set} or /api/v1/edm-artifacts/{set} with
//    ?after=<version held>: 304 when nothing is newer), and again every policy poll interval;
//  - a delivered set is verified like a policy: the pinned key's signature over the whole artifact,
//    the fleet key the set was hashed with, a version above the one held (an older one is a replay);
//    a refused set is reported (content.set_rejected) once and the last good one stays; the refusal is
//    kept in <state>/content-sets/refused.json (RefusedSets) and later polls, also after a restart,
//    ask for versions above the refused one and send the collector's tag of the refused file
//    (If-None-Match), so the same file is not downloaded again until the collector holds another
//    (docs/decisions/0047);
//  - an accepted set is written to the state directory (0600), reported (content.set_applied) and
//    handed to the scans through ContentSets; onChanged re-applies the policy to the capabilities
//    that scan, so the next file they read is matched against it.
// Network failures and 5xx are retried with backoff (RetryScheduler); a 404 waits for the next poll.
// Runs on the Qt main thread.

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/contentscan/ContentSets.h"
#include "agent/contentscan/RefusedSets.h"
#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "agent/report/Heartbeat.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/RetryScheduler.h"
#include "agent/report/Transport.h"
#include "policy/Policy.h"

namespace mamori::agent::contentscan {

class SetSync final : public Capability {
 public:
  using Changed = std::function<void(const policy::Policy&)>;
  using StatusListener = std::function<void(std::vector<ContentSetStatus>)>;

  SetSync(Transport& transport, IdentityStore& identity, EventSink& sink, std::shared_ptr<ContentSets> sets,
          std::string stateDir, Changed onChanged);

  std::string name() const override { return "content_sets"; }
  common::Status apply(const policy::Policy& policy) override;
  // Asks the collector for every named set now (one at a time); a check in progress is not doubled.
  void checkNow();
  // Told the status of every named set (in the policy's order) whenever one changes: the heartbeat
  // carries it to the collector (content.sets).
  void setStatusListener(StatusListener listener);
  std::vector<ContentSetStatus> status() const;

  // The file a set is kept in.
  static std::string setPath(const std::string& stateDir, SetKind kind, const std::string& name);

 private:
  struct Wanted {
    SetKind kind;
    std::string name;
  };
  void loadPersisted(const Wanted& wanted);
  void fetchNext();
  void onAnswer(const Wanted& wanted, TransportResult result);
  // Verifies and installs; the version installed, or why it was refused.
  common::Result<std::int64_t> install(const Wanted& wanted, const std::shared_ptr<const std::string>& bytes,
                                       bool fromCollector);
  void reportRejected(const Wanted& wanted, const common::Error& error, const std::string& bytes);
  void rememberRefusal(const Wanted& wanted, const common::Error& error, const std::string& bytes,
                       const std::string& etag);
  void saveRefused();
  void publishStatus();

  Transport& transport_;
  IdentityStore& identity_;
  EventSink& sink_;
  std::shared_ptr<ContentSets> sets_;
  std::string stateDir_;
  Changed onChanged_;
  policy::Policy policy_;
  std::vector<Wanted> wanted_;
  std::deque<Wanted> queue_;
  bool inFlight_ = false;
  bool applying_ = false;           // apply() reads kept sets: the capabilities after this one are applied anyway
  std::set<std::string> reported_;  // sha256 of refused bytes already reported (once, not every poll)
  RefusedSets refused_;             // "kind/name" -> the last file refused from the collector
  std::map<std::string, ContentSetStatus> status_;  // "kind/name" -> in use, last refusal
  StatusListener statusListener_;
  QObject context_;
  QTimer timer_;
  RetryScheduler retry_;
};

}  // namespace mamori::agent::contentscan
