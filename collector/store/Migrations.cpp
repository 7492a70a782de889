#include "collector/store/Migrations.h"

#include <Poco/Data/Statement.h>

#include <utility>

#include "collector/store/EventCounts.h"
#include "collector/store/EventPartitions.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;

namespace {

// Any constant shared by all collectors; names "mamori schema migration" among advisory locks.
constexpr long long kMigrationLockId = 0x6d616d6f7269LL;

// A statement starting with "{SQLITE}" or "{PG}" runs only on that backend ("" = skip it).
std::string dialect(std::string sql, Backend backend) {
  for (const auto& [prefix, only] : {std::pair<std::string, Backend>{"{SQLITE}", Backend::SQLite},
                                     std::pair<std::string, Backend>{"{PG}", Backend::PostgreSQL}}) {
    if (sql.rfind(prefix, 0) == 0) {
      if (backend != only) return "";
      sql.erase(0, prefix.size());
    }
  }
  const std::string token = "{TEXT_C}";
  // PostgreSQL's default collation may sort '-' and letters by locale rules; ids must sort as bytes
  // so that id order is creation order and cursors page correctly. SQLite's TEXT already does.
  const std::string replacement = backend == Backend::PostgreSQL ? "TEXT COLLATE \"C\"" : "TEXT";
  for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos)) {
    sql.replace(pos, token.size(), replacement);
  }
  return sql;
}

// Migrations 10 and 12: the two tables of a kind of content set (fingerprints, exact data match): the
// uploaded pieces of keyed hashes (documents, or parts of a customer table) and each set's signed
// artifact. Both kinds have the same columns.
std::vector<std::string> contentSetTables(const std::string& pieces, const std::string& sets) {
  return {"CREATE TABLE " + pieces +
              " ("
              " set_name {TEXT_C} NOT NULL,"
              " id {TEXT_C} NOT NULL,"
              " name TEXT NOT NULL,"
              " chars BIGINT NOT NULL,"
              " hashes TEXT NOT NULL,"
              " added_ms BIGINT NOT NULL,"
              " PRIMARY KEY (set_name, id))",
          "CREATE TABLE " + sets +
              " ("
              " name {TEXT_C} PRIMARY KEY,"
              " version BIGINT NOT NULL,"
              " envelope TEXT NOT NULL,"
              " sha256 TEXT NOT NULL,"
              " documents BIGINT NOT NULL,"
              " entries BIGINT NOT NULL,"
              " updated_ms BIGINT NOT NULL)"};
}

// Migration 7 on PostgreSQL, after its statements made the partitioned table: weeks for the rows
// of the old table (those more than three years old or beyond the weeks made ahead wait in
// events_default until retention takes them), then the rows themselves, then the old table goes.
void partitionExistingEvents(Poco::Data::Session& session, Backend backend, std::int64_t nowMs) {
  if (backend != Backend::PostgreSQL) return;
  constexpr std::int64_t kOldestWeekMs = std::int64_t{3} * 366 * 86'400'000;
  Poco::Int64 oldest = nowMs;
  session << "SELECT COALESCE(MIN(" + idMsExpression("id") + "), " + std::to_string(nowMs) +
                 ") FROM events_unpartitioned",
      into(oldest), now;
  ensureEventPartitions(session, std::max<std::int64_t>(oldest, nowMs - kOldestWeekMs),
                        nowMs + kPartitionWeeksAhead * kPartitionWeekMs);
  session << "INSERT INTO events (id, id_ms, agent_id, host, user_name, time_ms, type, severity, details,"
             " received_ms, ingest_tx, ingest_seq) SELECT id, " +
                 idMsExpression("id") +
                 ", agent_id, host, user_name, time_ms, type, severity, details, received_ms, ingest_tx, ingest_seq"
                 " FROM events_unpartitioned",
      now;
  session << "DROP TABLE events_unpartitioned", now;
}

// Migration 9 on PostgreSQL: a trigger function that adds (or, with subtract, takes away) the rows
// of a statement's transition table to the overview's hourly counts.
std::string countsFunction(const std::string& name, const std::string& rows, bool subtract) {
  const auto update = eventCountsUpdate(rows, "", subtract);
  return "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN " + update[0] + "; " + update[1] +
         "; RETURN NULL; END$$";
}

// Migration 9: the counts of the events stored before it.
void backfillEventCounts(Poco::Data::Session& session, Backend /*backend*/, std::int64_t /*nowMs*/) {
  for (const auto& statement : eventCountsUpdate("events", "", false)) session << statement, now;
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kList = {
      {1,
       "agents and events",
       {
           "CREATE TABLE agents ("
           " agent_id {TEXT_C} PRIMARY KEY,"
           " node_key_sha256 TEXT NOT NULL UNIQUE,"
           " host TEXT NOT NULL DEFAULT '',"
           " os TEXT NOT NULL DEFAULT '',"
           " agent_version TEXT NOT NULL DEFAULT '',"
           " enrolled_at_ms BIGINT NOT NULL,"
           " last_seen_ms BIGINT NOT NULL,"
           " heartbeat_interval_ms BIGINT NOT NULL DEFAULT 0,"
           " spool_events BIGINT NOT NULL DEFAULT 0,"
           " event_count BIGINT NOT NULL DEFAULT 0)",
           "CREATE TABLE events ("
           " id {TEXT_C} PRIMARY KEY,"
           " agent_id {TEXT_C} NOT NULL,"
           " host TEXT NOT NULL,"
           " user_name TEXT NOT NULL,"
           " time_ms BIGINT NOT NULL,"
           " type {TEXT_C} NOT NULL,"
           " severity INTEGER NOT NULL,"
           " details TEXT NOT NULL,"
           " received_ms BIGINT NOT NULL)",
           "CREATE INDEX events_type_id ON events (type, id)",
           "CREATE INDEX events_agent_id ON events (agent_id, id)",
           "CREATE INDEX events_time ON events (time_ms)",
       }},
      {2,
       "agent groups, signed group policies, policy status per agent",
       {
           // One ALTER per column: SQLite adds a single column per statement.
           "ALTER TABLE agents ADD COLUMN agent_group TEXT NOT NULL DEFAULT 'default'",
           "ALTER TABLE agents ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE agents ADD COLUMN policy_sha256 TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE agents ADD COLUMN policy_source TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE agents ADD COLUMN policy_applied_ms BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE agents ADD COLUMN policy_error TEXT NOT NULL DEFAULT ''",
           "CREATE TABLE group_policies ("
           " agent_group {TEXT_C} PRIMARY KEY,"
           " version BIGINT NOT NULL,"
           " name TEXT NOT NULL,"
           " sha256 TEXT NOT NULL,"
           " key_id TEXT NOT NULL,"
           " envelope TEXT NOT NULL,"
           " pushed_ms BIGINT NOT NULL)",
       }},
      {3,
       "ingest order of events and SIEM sink cursors (docs/decisions/0011-siem-ingest-order.md)",
       {
           // (ingest_tx, ingest_seq) orders events by when they were stored, not by their ids: an
           // agent that spooled offline for days sends old ids late, and an id cursor would skip them.
           // PostgreSQL: ingest_tx is the inserting transaction's id, so a reader that only takes rows
           // of transactions older than its snapshot's xmin never sees a lower key appear later.
           // SQLite has one writer at a time, so commit order is sequence order and ingest_tx stays 0.
           "ALTER TABLE events ADD COLUMN ingest_tx BIGINT NOT NULL DEFAULT 0",
           "{PG}ALTER TABLE events ADD COLUMN ingest_seq BIGSERIAL",
           "{PG}ALTER TABLE events ALTER COLUMN ingest_tx SET DEFAULT (pg_current_xact_id()::text::bigint)",
           "{SQLITE}ALTER TABLE events ADD COLUMN ingest_seq INTEGER",
           "{SQLITE}UPDATE events SET ingest_seq = rowid",
           "CREATE INDEX events_ingest ON events (ingest_tx, ingest_seq)",
           "CREATE TABLE siem_cursors ("
           " sink {TEXT_C} PRIMARY KEY,"
           " cursor_tx BIGINT NOT NULL,"
           " cursor_seq BIGINT NOT NULL,"
           " forwarded BIGINT NOT NULL DEFAULT 0,"
           " lease_owner TEXT NOT NULL DEFAULT '',"
           " lease_until_ms BIGINT NOT NULL DEFAULT 0,"
           " updated_ms BIGINT NOT NULL)",
       }},
      {4,
       "web console accounts, sessions and sign-in throttling (docs/decisions/0012-console-auth.md)",
       {
           "CREATE TABLE console_users ("
           " name {TEXT_C} PRIMARY KEY,"
           " role TEXT NOT NULL,"
           " password_hash TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL)",
           // Only the SHA-256 of a session id is stored: a leaked database copy holds no usable cookie.
           "CREATE TABLE console_sessions ("
           " id_sha256 {TEXT_C} PRIMARY KEY,"
           " user_name {TEXT_C} NOT NULL,"
           " csrf_token TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " last_seen_ms BIGINT NOT NULL)",
           "CREATE INDEX console_sessions_user ON console_sessions (user_name)",
           // Failed sign-ins per subject ("user:<name>" or "ip:<address>") within a window.
           "CREATE TABLE console_login_failures ("
           " subject {TEXT_C} PRIMARY KEY,"
           " failures INTEGER NOT NULL,"
           " window_start_ms BIGINT NOT NULL,"
           " locked_until_ms BIGINT NOT NULL)",
       }},
      {5,
       "home-PC inspection reports uploaded by staff (mamori-inspect, docs/inspect.md)",
       {
           "CREATE TABLE inspections ("
           " id {TEXT_C} PRIMARY KEY,"
           " received_ms BIGINT NOT NULL,"
           " host TEXT NOT NULL,"
           " started TEXT NOT NULL,"
           " key_id TEXT NOT NULL,"
           " signature TEXT NOT NULL,"
           " findings BIGINT NOT NULL,"
           " critical BIGINT NOT NULL,"
           " uploaded_by TEXT NOT NULL,"
           " document TEXT NOT NULL)",
           "CREATE INDEX inspections_received ON inspections (received_ms)",
       }},
      {6,
       "web console: status and comment of each incident (docs/console.md)",
       {
           "CREATE TABLE incident_states ("
           " incident_id {TEXT_C} PRIMARY KEY,"
           " status TEXT NOT NULL,"
           " comment TEXT NOT NULL,"
           " updated_by TEXT NOT NULL,"
           " updated_ms BIGINT NOT NULL)",
       }},
      {7,
       "PostgreSQL: events partitioned by week of their id's time, for retention (docs/decisions/0015)",
       {
           // The old table steps aside with its indexes (index names are per schema); its sequence
           // of ingest positions carries on in the new table, so SIEM cursors stay valid.
           "{PG}ALTER TABLE events RENAME TO events_unpartitioned",
           "{PG}ALTER INDEX events_pkey RENAME TO events_unpartitioned_pkey",
           "{PG}DROP INDEX events_type_id",
           "{PG}DROP INDEX events_agent_id",
           "{PG}DROP INDEX events_time",
           "{PG}DROP INDEX events_ingest",
           "{PG}ALTER TABLE events_unpartitioned ALTER COLUMN ingest_seq DROP DEFAULT",
           "{PG}ALTER SEQUENCE events_ingest_seq_seq OWNED BY NONE",
           // A unique key of a partitioned table must hold the partition key: (id, id_ms), where
           // id_ms is the time inside the id itself (the CHECK makes it so), is unique exactly when
           // the id is, so ON CONFLICT (id, id_ms) keeps exactly-once.
           "{PG}CREATE TABLE events ("
           " id TEXT COLLATE \"C\" NOT NULL,"
           " id_ms BIGINT NOT NULL,"
           " agent_id TEXT COLLATE \"C\" NOT NULL,"
           " host TEXT NOT NULL,"
           " user_name TEXT NOT NULL,"
           " time_ms BIGINT NOT NULL,"
           " type TEXT COLLATE \"C\" NOT NULL,"
           " severity INTEGER NOT NULL,"
           " details TEXT NOT NULL,"
           " received_ms BIGINT NOT NULL,"
           " ingest_tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),"
           " ingest_seq BIGINT NOT NULL DEFAULT nextval('events_ingest_seq_seq'),"
           " PRIMARY KEY (id, id_ms),"
           " CONSTRAINT events_id_ms CHECK (id_ms = " +
               idMsExpression("id") + ")) PARTITION BY RANGE (id_ms)",
           "{PG}ALTER SEQUENCE events_ingest_seq_seq OWNED BY events.ingest_seq",
           "{PG}CREATE TABLE events_default PARTITION OF events DEFAULT",
           "{PG}CREATE INDEX events_type_id ON events (type, id)",
           "{PG}CREATE INDEX events_agent_id ON events (agent_id, id)",
           "{PG}CREATE INDEX events_time ON events (time_ms)",
           "{PG}CREATE INDEX events_ingest ON events (ingest_tx, ingest_seq)",
       },
       &partitionExistingEvents},
      {8,
       "the administrators' audit trail, hash-chained (docs/decisions/0021-admin-audit-trail.md)",
       {
           // seq is given by the collector under the chain lock (SqlEventStoreAudit.cpp), never by a
           // sequence: a rolled-back append must not leave a gap that reads as a deleted record.
           "CREATE TABLE audit_log ("
           " seq BIGINT PRIMARY KEY,"
           " time_ms BIGINT NOT NULL,"
           " actor TEXT NOT NULL,"
           " address TEXT NOT NULL,"
           " action TEXT NOT NULL,"
           " target TEXT NOT NULL,"
           " before_value TEXT NOT NULL,"
           " after_value TEXT NOT NULL,"
           " result TEXT NOT NULL,"
           " status INTEGER NOT NULL,"
           " detail TEXT NOT NULL,"
           " prev_hash TEXT NOT NULL,"
           " hash TEXT NOT NULL)",
           "CREATE INDEX audit_log_time ON audit_log (time_ms)",
           // Append-only against mistakes: the collector never updates or deletes a record. These
           // triggers do not stop the table's owner (who may drop them); docs/admin.md shows the
           // grants that take the rights away from the collector's database user, and the chain
           // shows whatever is changed anyway.
           // NOLINTBEGIN(bugprone-suspicious-missing-comma): each statement is one literal split over lines
           "{SQLITE}CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
           " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
           "{SQLITE}CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
           " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
           "{PG}CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS"
           " $$BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP; END$$",
           "{PG}CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
           " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
           "{PG}CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
           " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
           // NOLINTEND(bugprone-suspicious-missing-comma)
       }},
      {9,
       "event counts per hour for the console overview (docs/decisions/0030-overview-rollup.md)",
       {
           // Kept in the transaction that stores or deletes the events: on PostgreSQL by statement
           // triggers over the rows changed, on SQLite by one grouped statement per stored batch
           // (SqlEventStore::insertSqlite; a row trigger there cost 40% of the ingest rate) and a row
           // trigger for deletes. Only rows really stored count (ON CONFLICT DO NOTHING skips
           // duplicates).
           "CREATE TABLE event_counts ("
           " hour_ms BIGINT NOT NULL,"
           " type {TEXT_C} NOT NULL,"
           " severity INTEGER NOT NULL,"
           " n BIGINT NOT NULL,"
           " PRIMARY KEY (hour_ms, type, severity))",
           // High and critical events only, per host and user: the overview's top lists.
           "CREATE TABLE event_counts_hosts ("
           " hour_ms BIGINT NOT NULL,"
           " host TEXT NOT NULL,"
           " user_name TEXT NOT NULL,"
           " severity INTEGER NOT NULL,"
           " n BIGINT NOT NULL,"
           " PRIMARY KEY (hour_ms, host, user_name, severity))",
           // NOLINTBEGIN(bugprone-suspicious-missing-comma): each statement is one literal split over lines
           "{SQLITE}CREATE TRIGGER events_count_delete AFTER DELETE ON events BEGIN"
           " UPDATE event_counts SET n = n - 1 WHERE hour_ms = OLD.time_ms - (OLD.time_ms % 3600000)"
           " AND type = OLD.type AND severity = OLD.severity;"
           " UPDATE event_counts_hosts SET n = n - 1 WHERE OLD.severity >= 3"
           " AND hour_ms = OLD.time_ms - (OLD.time_ms % 3600000) AND host = OLD.host"
           " AND user_name = OLD.user_name AND severity = OLD.severity; END",
           // Rows are added in key order, so two collectors storing at once lock them in the same
           // order and cannot deadlock on them.
           "{PG}" + countsFunction("event_counts_add", "added", false),
           "{PG}" + countsFunction("event_counts_remove", "removed", true),
           "{PG}CREATE TRIGGER events_count_insert AFTER INSERT ON events REFERENCING NEW TABLE AS added"
           " FOR EACH STATEMENT EXECUTE FUNCTION event_counts_add()",
           "{PG}CREATE TRIGGER events_count_delete AFTER DELETE ON events REFERENCING OLD TABLE AS removed"
           " FOR EACH STATEMENT EXECUTE FUNCTION event_counts_remove()",
           // NOLINTEND(bugprone-suspicious-missing-comma)
       },
       &backfillEventCounts},
      {10, "fingerprint sets: registered documents' keyed hashes and each set's signed artifact (docs/decisions/0032)",
       contentSetTables("fingerprint_documents", "fingerprint_sets")},
      {11,
       "employees' exception requests and the administrators' answers (docs/admin.md \"Exception requests\")",
       {
           "CREATE TABLE exception_requests ("
           " id {TEXT_C} PRIMARY KEY,"
           " agent_id {TEXT_C} NOT NULL,"
           " host TEXT NOT NULL,"
           " user_name TEXT NOT NULL,"
           " device_id TEXT NOT NULL,"
           " device_name TEXT NOT NULL,"
           " challenge TEXT NOT NULL,"
           " reason TEXT NOT NULL,"
           " minutes_asked BIGINT NOT NULL,"
           " state TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " decided_ms BIGINT NOT NULL DEFAULT 0,"
           " decided_by TEXT NOT NULL DEFAULT '',"
           " minutes BIGINT NOT NULL DEFAULT 0,"
           " note TEXT NOT NULL DEFAULT '',"
           " response TEXT NOT NULL DEFAULT '')",
           // The agent's poll asks for its answers; the per-agent bound counts its pending ones.
           "CREATE INDEX exception_requests_agent ON exception_requests (agent_id, state, created_ms)",
           "CREATE INDEX exception_requests_created ON exception_requests (created_ms)",
       }},
      {12,
       "exact-data-match sets: uploaded parts of keyed row hashes and each set's signed artifact (docs/decisions/0034)",
       contentSetTables("edm_parts", "edm_sets")},
      {13,
       "the fingerprint and exact-data-match sets each agent reports in its heartbeat (content.sets)",
       {
           // The collector's own JSON array (collector/server/ContentSetStatus.h), "" until reported.
           "ALTER TABLE agents ADD COLUMN content_sets TEXT NOT NULL DEFAULT ''",
       }},
  };
  return kList;
}

int migrateSchema(Poco::Data::Session& session, Backend backend, std::int64_t nowMs, int maxVersion) {
  const bool pg = backend == Backend::PostgreSQL;
  if (pg) {
    session.begin();
    Poco::Int64 locked = 0;
    session << "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockId) + ")) AS l",
        into(locked), now;
  } else {
    session << "BEGIN IMMEDIATE", now;
  }
  try {
    // Looked up rather than CREATE TABLE IF NOT EXISTS, which makes PostgreSQL print a notice on
    // every start.
    Poco::Int64 exists = 0;
    session << (pg ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                     " AND table_name = 'schema_version'"
                   : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"),
        into(exists), now;
    if (exists == 0) {
      session << "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)", now;
    }
    int current = 0;
    session << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(current), now;
    for (const auto& migration : migrations()) {
      if (migration.version <= current || migration.version > maxVersion) continue;
      for (const auto& statement : migration.statements) {
        const std::string text = dialect(statement, backend);
        if (!text.empty()) session << text, now;  // "" = a statement for the other backend
      }
      if (migration.code != nullptr) migration.code(session, backend, nowMs);
      const std::string record = "INSERT INTO schema_version (version, applied_ms) VALUES (" +
                                 std::to_string(migration.version) + ", " + std::to_string(nowMs) + ")";
      session << record, now;
      current = migration.version;
    }
    if (pg) {
      session.commit();
    } else {
      session << "COMMIT", now;
    }
    return current;
  } catch (...) {
    try {
      if (pg) {
        session.rollback();
      } else {
        session << "ROLLBACK", now;
      }
    } catch (...) {  // the original failure is the one worth reporting
    }
    throw;
  }
}

}  // namespace mamori::collector::store
