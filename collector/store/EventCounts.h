#pragma once
// The console overview's hourly counts (schema migration 9, docs/decisions/0030): the SQL that adds
// a set of event rows to them, or takes them away, written once for every place that keeps them (the
// migration's backfill, PostgreSQL's triggers, SQLite's per-batch update, dropped partitions).

#include <array>
#include <string>

namespace mamori::collector::store {

// Two statements (event_counts, then event_counts_hosts for high and critical rows) that add the
// rows of `source` (a table, a transition table) matching `where` ("" = all, else a condition
// without WHERE) to the counts; with subtract, they take them away. Groups are written in key order,
// so two transactions lock rollup rows in the same order.
std::array<std::string, 2> eventCountsUpdate(const std::string& source, const std::string& where, bool subtract);

}  // namespace mamori::collector::store
