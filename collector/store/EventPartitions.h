#pragma once
// PostgreSQL's events table is partitioned by the time in each event's id (docs/decisions/0015):
// one partition per week (Monday 00:00 UTC to the next Monday), named events_pYYYYMMDD after its
// first day, plus events_default for ids outside every week that exists (a PC whose clock is far
// off). Retention drops whole weeks; this file makes, lists and drops them. PostgreSQL only; the
// functions throw Poco exceptions like any statement (the caller turns them into an Error).

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::collector::store {

inline constexpr std::int64_t kPartitionWeekMs = 7 * 86'400'000LL;
// Weeks made ahead of the current one, so inserts never wait for a partition to be created.
inline constexpr int kPartitionWeeksAhead = 4;

// The SQL expression of an id's milliseconds (the first 48 bits of a UUIDv7), for column `column`.
std::string idMsExpression(const std::string& column);

// The Monday 00:00 UTC at or before unixMs.
std::int64_t partitionWeekStart(std::int64_t unixMs);
// "events_p20261130" for the week starting at weekStartMs.
std::string partitionName(std::int64_t weekStartMs);

struct EventPartition {
  std::string name;
  std::int64_t startMs = 0;  // inclusive
  std::int64_t endMs = 0;    // exclusive
};

// The weekly partitions that exist, oldest first (events_default is not among them).
std::vector<EventPartition> listEventPartitions(Poco::Data::Session& session);

// Makes every missing week from the one holding fromMs to the one holding toMs; returns how many
// it made. Rows of such a week that waited in events_default move into the new partition. Runs in
// the caller's transaction.
int ensureEventPartitions(Poco::Data::Session& session, std::int64_t fromMs, std::int64_t toMs);

// Takes the rows of `table` (a partition or the detached default) that match `where` (a condition
// without WHERE, "" = all)
// out of the overview's hourly counts (migration 9): for rows that leave without a DELETE on events
// firing its trigger, when a partition is dropped or the default one is emptied by hand.
void subtractEventCounts(Poco::Data::Session& session, const std::string& table, const std::string& where);

}  // namespace mamori::collector::store
