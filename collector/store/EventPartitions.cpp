#include "collector/store/EventPartitions.h"

#include <Poco/Data/Statement.h>

#include <algorithm>
#include <set>

#include "collector/store/EventCounts.h"
#include "common/Clock.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;

namespace {

// 1970-01-05 was a Monday.
constexpr std::int64_t kFirstMondayMs = 4 * 86'400'000LL;

}  // namespace

std::string idMsExpression(const std::string& column) {
  return "('x' || substr(" + column + ", 1, 8) || substr(" + column + ", 10, 4))::bit(48)::bigint";
}

std::int64_t partitionWeekStart(std::int64_t unixMs) {
  const std::int64_t since = std::max<std::int64_t>(unixMs, kFirstMondayMs) - kFirstMondayMs;
  return kFirstMondayMs + since / kPartitionWeekMs * kPartitionWeekMs;
}

std::string partitionName(std::int64_t weekStartMs) {
  const std::string day = common::formatUtcMs(weekStartMs).substr(0, 10);  // "2026-11-30"
  return "events_p" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2);
}

std::vector<EventPartition> listEventPartitions(Poco::Data::Session& session) {
  std::vector<std::string> names;
  session << "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
             " WHERE i.inhparent = 'events'::regclass ORDER BY c.relname",
      into(names), now;
  std::vector<EventPartition> partitions;
  for (const auto& name : names) {
    // Only names this file made: events_pYYYYMMDD.
    if (name.size() != 16 || name.rfind("events_p", 0) != 0 ||
        name.find_first_not_of("0123456789", 8) != std::string::npos) {
      continue;
    }
    const auto start =
        common::parseUtcMs(name.substr(8, 4) + "-" + name.substr(12, 2) + "-" + name.substr(14, 2) + "T00:00:00Z");
    if (!start) continue;
    partitions.push_back(EventPartition{name, *start, *start + kPartitionWeekMs});
  }
  std::sort(partitions.begin(), partitions.end(),
            [](const EventPartition& a, const EventPartition& b) { return a.startMs < b.startMs; });
  return partitions;
}

int ensureEventPartitions(Poco::Data::Session& session, std::int64_t fromMs, std::int64_t toMs) {
  std::set<std::int64_t> existing;
  for (const auto& partition : listEventPartitions(session)) existing.insert(partition.startMs);
  int made = 0;
  for (std::int64_t week = partitionWeekStart(fromMs); week <= partitionWeekStart(toMs); week += kPartitionWeekMs) {
    if (existing.count(week) != 0) continue;
    const std::string from = std::to_string(week), to = std::to_string(week + kPartitionWeekMs);
    const std::string create =
        "CREATE TABLE " + partitionName(week) + " PARTITION OF events FOR VALUES FROM (" + from + ") TO (" + to + ")";
    const std::string condition = "id_ms >= " + from + " AND id_ms < " + to;
    const std::string range = " WHERE " + condition;
    Poco::Int64 waiting = 0;
    session << "SELECT count(*) FROM events_default" + range, into(waiting), now;
    if (waiting == 0) {
      session << create, now;
    } else {
      // PostgreSQL refuses a new partition while the default one holds rows of its range: take the
      // default out, make the week, move its rows (ids, ingest positions and all), put it back.
      session << "ALTER TABLE events DETACH PARTITION events_default", now;
      session << create, now;
      session << "INSERT INTO events SELECT * FROM events_default" + range, now;
      subtractEventCounts(session, "events_default", condition);  // the insert above counted them again
      session << "DELETE FROM events_default" + range, now;
      session << "ALTER TABLE events ATTACH PARTITION events_default DEFAULT", now;
    }
    ++made;
  }
  return made;
}

void subtractEventCounts(Poco::Data::Session& session, const std::string& table, const std::string& where) {
  for (const auto& statement : eventCountsUpdate(table, where, true)) session << statement, now;
}

}  // namespace mamori::collector::store
