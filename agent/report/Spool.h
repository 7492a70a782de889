#pragma once
// The durable spool: every event the agent emits is committed here first (SQLite, WAL) and leaves
// only when the collector acknowledged it. Bounded by count and bytes; past a bound the oldest
// lowest-severity events are dropped and a spool.overflow event says what went. A spool file that
// cannot be opened or fails its check is moved aside (never deleted) and a spool.corrupt event
// says where it went. Batches the collector refuses for good are kept aside in a `rejected` table.
//
// Single-threaded: owned and used by the agent's main thread.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/report/EventFactory.h"
#include "common/Event.h"
#include "common/Result.h"

namespace mamori::agent {

struct SpoolLimits {
  std::int64_t maxEvents = 1'000'000;
  std::int64_t maxBytes = 512LL << 20;
  std::int64_t maxRejected = 10'000;  // rows kept in the rejected table; the oldest go first
};

// Events read for one upload, in spool order. jsonLines are the stored text, sent as is.
struct SpoolBatch {
  std::vector<std::string> ids;
  std::vector<std::string> jsonLines;
  std::int64_t bytes = 0;
  bool empty() const { return ids.empty(); }
  std::size_t size() const { return ids.size(); }
};

// Why the collector refused a batch for good (its status and {"error","where"}).
struct Rejection {
  int status = 0;
  std::string error;
  std::string where;
};

struct RejectedRow {
  std::string id;
  std::string json;
  int status = 0;
  std::string error;
};

class Spool {
 public:
  // Opens or creates the spool at `path`. A corrupt file is moved aside and replaced (see above);
  // only a spool that cannot be created at all is an error.
  static common::Result<std::unique_ptr<Spool>> open(const std::string& path, SpoolLimits limits, EventFactory& events);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // One transaction: either every event is durable afterwards or none is (and an error says why).
  common::Status append(const std::vector<common::Event>& events);

  // The oldest events, at most maxEvents and maxBytes (but at least one when any is spooled), and
  // never more than half the spool's own limits: a full spool then always holds events outside the
  // batch to drop, so a drop never hits an event that the collector may store a moment later (it
  // would be counted twice, delivered and reported dropped). They stay in the spool, marked in
  // flight (overflow spares them) until acknowledge/reject/release.
  common::Result<SpoolBatch> readBatch(std::int64_t maxEvents, std::int64_t maxBytes);
  void releaseInFlight();

  // The collector stored these ids: remove them.
  common::Status acknowledge(const std::vector<std::string>& ids);

  // The collector refused these ids for good: move them to the rejected table and spool a
  // report.batch_rejected event, in one transaction.
  common::Status reject(const std::vector<std::string>& ids, const Rejection& why);

  std::int64_t eventCount() const { return count_; }
  std::int64_t byteCount() const { return bytes_; }
  const std::string& path() const { return path_; }
  const SpoolLimits& limits() const { return limits_; }
  void setLimits(SpoolLimits limits) { limits_ = limits; }

  common::Result<std::int64_t> rejectedCount();
  common::Result<std::vector<RejectedRow>> rejectedRows();
  // Every spooled event's JSON in spool order (tests and diagnosis; loads everything).
  common::Result<std::vector<std::string>> allJson();

 private:
  struct DropTally {
    std::int64_t count = 0;
    std::int64_t bytes = 0;
  };
  using DropKey = std::pair<std::string, int>;  // type, severity
  struct PresentRow {
    std::string id;
    std::string type;
    std::int64_t bytes = 0;
  };

  Spool(std::string path, SpoolLimits limits, EventFactory& events, std::unique_ptr<Poco::Data::Session> session);
  common::Status loadCounters();
  // Inside an open transaction: insert rows, keep counters in step.
  void insertRows(const std::vector<common::Event>& events);
  // Inside an open transaction: drop until the bounds hold with room for one report event.
  void makeRoom(std::map<DropKey, DropTally>& dropped);
  std::int64_t dropCandidates(bool spareInFlightAndReports, std::int64_t needEvents, std::int64_t needBytes,
                              std::map<DropKey, DropTally>& dropped);
  // Inside an open transaction: which of ids are spooled, with their size and type.
  std::vector<PresentRow> presentRows(const std::vector<std::string>& ids);
  void deleteRows(const std::vector<PresentRow>& rows);
  common::Event overflowReport(const std::map<DropKey, DropTally>& dropped) const;
  template <typename Body>
  common::Status inTransaction(const char* what, Body&& body);

  std::string path_;
  SpoolLimits limits_;
  EventFactory& events_;
  std::unique_ptr<Poco::Data::Session> session_;
  std::int64_t count_ = 0;
  std::int64_t bytes_ = 0;
  std::map<std::string, std::int64_t> inFlight_;  // id -> bytes of the batch being uploaded
  std::int64_t inFlightMaxSeq_ = 0;
};

}  // namespace mamori::agent
