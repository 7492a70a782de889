// Retention (RetentionPolicy.h, docs/decisions/0015): whole weekly partitions dropped on
// PostgreSQL, the rest deleted in bounded batches, each batch its own transaction.

#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <chrono>
#include <thread>

#include "collector/store/EventPartitions.h"
#include "collector/store/SqlEventStore.h"
#include "common/Clock.h"
#include "common/Log.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

// Retention waits at most this long for a table lock; a long query elsewhere makes it give up and
// try at the next run instead of queueing every insert behind its lock request.
constexpr const char* kLockTimeout = "SET LOCAL lock_timeout = '3s'";
// SQLite: a pause between delete batches, so writers waiting in their busy handler (which polls
// every 100 ms at most) get the lock.
constexpr std::chrono::milliseconds kSqliteBatchPause{100};

}  // namespace

common::Result<RetentionReport> SqlEventStore::enforceRetention(const RetentionPolicy& policy, std::int64_t nowMs) {
  auto lease = pool_.acquire();
  if (!lease) return common::makeError("retention failed: " + lease.error().message, target_.display);
  Session& session = lease.value().session();
  const bool pg = target_.backend == Backend::PostgreSQL;
  const auto started = std::chrono::steady_clock::now();
  auto overBudget = [&] {
    return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(policy.timeBudgetMs);
  };
  auto begin = [&] {
    if (pg) {
      session.begin();
      session << kLockTimeout, now;
    } else {
      session << "BEGIN IMMEDIATE", now;
    }
  };
  auto commit = [&] {
    if (pg) {
      session.commit();
    } else {
      session << "COMMIT", now;
    }
  };
  RetentionReport report;
  bool locked = false;
  try {
    if (pg) {
      // Session-level: held across the batches below, released at the end or with the connection.
      session << "SELECT pg_try_advisory_lock(" + std::to_string(kRetentionLockId) + ")", into(locked), now;
      if (!locked) {
        report.skipped = true;
        return report;
      }
      const int longest = policy.longestDays();
      // Weeks from the current one on: past weeks exist since they were current (or since the
      // migration); events older than the first week wait in events_default for retention.
      begin();
      report.createdPartitions = ensureEventPartitions(session, nowMs, nowMs + kPartitionWeeksAhead * kPartitionWeekMs);
      commit();
      if (longest != 0) {
        // A week goes whole once its newest possible event is older than the longest retention.
        for (const auto& partition : listEventPartitions(session)) {
          if (partition.endMs > nowMs - longest * kDayMs) break;
          begin();
          subtractEventCounts(session, partition.name, "");  // a dropped table fires no delete trigger
          session << "DROP TABLE " + partition.name, now;
          commit();
          ++report.droppedPartitions;
          common::log::info("retention: dropped partition " + partition.name + " (events created " +
                            common::formatUtcMs(partition.startMs).substr(0, 10) + " to " +
                            common::formatUtcMs(partition.endMs).substr(0, 10) + ")");
        }
      }
    }
    for (const auto& retention : retentionClasses(policy, nowMs)) {
      std::string cursor;  // ids only grow within a class: each batch starts after the last one
      while (true) {
        if (overBudget()) {
          report.complete = false;
          break;
        }
        std::size_t deleted = 0;
        begin();
        Statement select(session);
        Poco::Int64 count = 0;
        std::string last;
        if (pg) {
          select << sql("WITH victims AS (SELECT id, id_ms FROM events WHERE id_ms < ? AND id > ? AND (" +
                        retention.condition + ") ORDER BY id LIMIT " + std::to_string(policy.batchRows) +
                        "), gone AS (DELETE FROM events e USING victims v WHERE e.id = v.id AND e.id_ms = v.id_ms"
                        " RETURNING e.id) SELECT count(*), COALESCE(MAX(id), '') FROM gone");
          select, bind(static_cast<Poco::Int64>(retention.cutoffMs)), bind(cursor);
          for (const auto& param : retention.params) select, bind(param);
          select, into(count), into(last);
          select.execute();
          deleted = static_cast<std::size_t>(count);
        } else {
          std::vector<std::string> ids;
          select << "SELECT id FROM events WHERE id < ? AND id > ? AND (" + retention.condition +
                        ") ORDER BY id LIMIT " + std::to_string(policy.batchRows);
          select, bind(uuid7Floor(retention.cutoffMs)), bind(cursor);
          for (const auto& param : retention.params) select, bind(param);
          select, into(ids);
          select.execute();
          if (!ids.empty()) {
            session << "DELETE FROM events WHERE id = ?", use(ids), now;
            last = ids.back();
          }
          deleted = ids.size();
        }
        commit();
        report.deletedEvents += static_cast<std::int64_t>(deleted);
        if (deleted < policy.batchRows) break;
        cursor = last;
        if (!pg) std::this_thread::sleep_for(kSqliteBatchPause);
      }
      if (!report.complete) break;
    }
    if (locked) session << "SELECT pg_advisory_unlock(" + std::to_string(kRetentionLockId) + ")", now;
    return report;
  } catch (const Poco::Exception& e) {
    try {
      if (pg) {
        session.rollback();
      } else {
        session << "ROLLBACK", now;
      }
    } catch (...) {  // the connection is dropped below, which also ends the transaction and the lock
    }
    lease.value().discard();
    return common::makeError("retention failed: " + e.displayText(), target_.display);
  }
}

}  // namespace mamori::collector::store
