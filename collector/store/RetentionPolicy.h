#pragma once
// How long stored events are kept, per event type (docs/admin.md "Retention"). Pure: parsed from the
// command line and turned into deletion classes without touching a database.
//
//   --retention-days 180                          every type not named below: 180 days
//   --retention content.*=365,file.read_bulk=30   a type family and one type of their own
//
// The age of an event is the time in its id (UUIDv7: when the PC created it). The most specific
// rule wins: an exact type, then the longest "prefix.*" family, then the default. 0 days = kept
// forever.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::collector::store {

inline constexpr int kDefaultRetentionDays = 180;
inline constexpr int kMaxRetentionDays = 36500;
inline constexpr std::int64_t kDayMs = 86'400'000;
// PostgreSQL advisory lock that lets one collector at a time enforce retention ("mamorr").
inline constexpr long long kRetentionLockId = 0x6d616d6f7272LL;

struct RetentionRule {
  std::string type;     // exact type, or the family's prefix with its dot ("content.") when family
  bool family = false;  // written as "content.*"
  int days = 0;         // 0 = forever

  std::string text() const { return family ? type + "*" : type; }
};

struct RetentionPolicy {
  int defaultDays = kDefaultRetentionDays;
  std::vector<RetentionRule> rules;
  // Rows deleted per transaction, and how long one enforcement may run before it stops (and says
  // so in its report): the collector keeps answering while old events go.
  std::size_t batchRows = 5000;
  std::int64_t timeBudgetMs = 60'000;

  // The days that apply to one event type.
  int daysFor(const std::string& type) const;
  // The longest time any event is kept; 0 when some type is kept forever.
  int longestDays() const;
  // "default 180 days; content.*=365, file.read_bulk=30" for the log.
  std::string describe() const;
};

// Adds "TYPE=DAYS[,TYPE=DAYS...]" to policy (a later rule for the same type replaces an earlier
// one). Errors say which item is wrong and why.
common::Status addRetentionRules(const std::string& text, RetentionPolicy& policy);
// "180" -> 180; 0..kMaxRetentionDays.
common::Result<int> parseRetentionDays(const std::string& text);

// One set of events with one age limit: the SQL condition that picks them (with "?" placeholders
// for params, on the events table's type column) and the oldest creation time they may have.
struct RetentionClass {
  std::string label;      // "content.*", "file.read_bulk", "default"
  std::string condition;  // e.g. "type >= ? AND type < ? AND type <> ?"
  std::vector<std::string> params;
  std::int64_t cutoffMs = 0;  // events created before this go
};

// The classes to delete from at nowMs; a rule kept forever has none. Every event type falls in
// exactly one class (or in a kept-forever rule).
std::vector<RetentionClass> retentionClasses(const RetentionPolicy& policy, std::int64_t nowMs);

// The lowest canonical id of a given creation time: id < uuid7Floor(t) exactly when the id's time is
// before t (ids are compared as bytes).
std::string uuid7Floor(std::int64_t unixMs);

// What one enforcement did.
struct RetentionReport {
  bool skipped = false;  // another collector holds the retention lock
  std::int64_t deletedEvents = 0;
  std::int64_t droppedPartitions = 0;
  std::int64_t createdPartitions = 0;
  bool complete = true;  // false when the time budget ran out before everything old was deleted
};

}  // namespace mamori::collector::store
