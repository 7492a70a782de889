#pragma once
// Appends a signed checkpoint to the audit trail every interval (docs/admin.md "The audit trail"): a
// record of action audit.checkpoint whose `after` names the chain's head (seq and hash) and whose
// `detail` holds an Ed25519 signature of it by the collector's policy key. It goes to the SIEM with
// the other records, so records deleted from the end of the table later are still told apart from
// records never written. Nothing is appended when the head is a checkpoint already, so an idle
// collector (or several on one database) does not fill the trail with checkpoints.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "collector/audit/Checkpoint.h"
#include "collector/store/EventStore.h"
#include "collector/store/PeriodicWorker.h"
#include "common/Clock.h"
#include "common/SigningKey.h"

namespace mamori::collector::store {

class AuditCheckpointer {
 public:
  AuditCheckpointer(EventStore& store, std::shared_ptr<const common::SigningKey> key, const common::Clock& clock,
                    std::chrono::milliseconds interval);

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  // One checkpoint now (tests, and the loop): the record appended, or nullopt when none was due.
  common::Result<std::optional<audit::AuditRecord>> checkpointNow();

 private:
  std::chrono::milliseconds run();

  EventStore& store_;
  std::shared_ptr<const common::SigningKey> key_;
  const common::Clock& clock_;
  std::chrono::milliseconds interval_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace mamori::collector::store
