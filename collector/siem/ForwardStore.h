#pragma once
// The database side of SIEM forwarding: reads stored events in ingest order after a cursor, and
// keeps each sink's cursor and lease in siem_cursors (migration 3). One connection per forwarder,
// separate from the ingest pool, so a forwarder never holds a connection ingest needs.
//
// Ordering (docs/decisions/0011-siem-ingest-order.md): on PostgreSQL an event is only read once its
// inserting transaction is older than every transaction still running (ingest_tx below the
// snapshot's xmin), so no event with a lower key can become visible after a cursor passed it.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/siem/Record.h"
#include "collector/store/DbUrl.h"
#include "common/Result.h"

namespace mamori::collector::siem {

struct SinkCursor {
  IngestKey key;
  std::int64_t forwarded = 0;  // events acknowledged by the sink, over its life
  std::string leaseOwner;
  std::int64_t leaseUntilMs = 0;
  std::int64_t updatedMs = 0;
};

class ForwardStore {
 public:
  explicit ForwardStore(store::DbTarget target);
  ~ForwardStore();
  ForwardStore(const ForwardStore&) = delete;
  ForwardStore& operator=(const ForwardStore&) = delete;

  // Takes or renews the sink's lease for `owner` until nowMs + leaseMs; false when another
  // collector holds an unexpired one. Creates the sink's row (cursor at the start) when missing.
  common::Result<bool> acquireLease(const std::string& sink, const std::string& owner, std::int64_t nowMs,
                                    std::int64_t leaseMs);

  common::Result<std::optional<SinkCursor>> cursor(const std::string& sink);

  // Moves the cursor forward, only while `owner` holds the lease; false when the lease was lost.
  common::Result<bool> saveCursor(const std::string& sink, const std::string& owner, const IngestKey& key,
                                  std::int64_t forwardedDelta, std::int64_t nowMs);

  // Events after `after` in ingest order, at most limit, only those safe to forward.
  common::Result<std::vector<StoredEvent>> readAfter(const IngestKey& after, std::size_t limit);

  // How many stored events are after `after` (counting stops at cap).
  common::Result<std::int64_t> countAfter(const IngestKey& after, std::int64_t cap);

  // Every sink's row (mamorictl siem status, tests).
  common::Result<std::vector<std::pair<std::string, SinkCursor>>> listCursors();

 private:
  template <typename T, typename Body>
  common::Result<T> run(const char* what, Body&& body);
  std::string sql(const std::string& text) const;

  store::DbTarget target_;
  std::unique_ptr<Poco::Data::Session> session_;
};

}  // namespace mamori::collector::siem
