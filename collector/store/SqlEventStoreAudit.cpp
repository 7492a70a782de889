// SqlEventStore: the administrators' audit trail (schema migration 8,
// docs/decisions/0021-admin-audit-trail.md).

#include <Poco/Data/Statement.h>
#include <Poco/JSON/Object.h>

#include "collector/store/SqlEventStore.h"
#include "common/Uuid7.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace {

// Names "mamori audit chain" among PostgreSQL advisory locks (any constant all collectors share).
constexpr long long kAuditChainLockId = 0x6d616d6f72696175LL;

constexpr const char* kAuditColumns =
    "seq, time_ms, actor, address, action, target, before_value, after_value, result, status, detail,"
    " prev_hash, hash";

std::vector<audit::AuditRecord> readRecords(Poco::Data::Statement& statement) {
  std::vector<Poco::Int64> seqs, times;
  std::vector<std::string> actors, addresses, actions, targets, befores, afters, results, details, prevs, hashes;
  std::vector<int> statuses;
  statement, into(seqs), into(times), into(actors), into(addresses), into(actions), into(targets), into(befores),
      into(afters), into(results), into(statuses), into(details), into(prevs), into(hashes);
  statement.execute();
  std::vector<audit::AuditRecord> records(seqs.size());
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    auto& r = records[i];
    r.seq = seqs[i];
    r.entry = audit::AuditEntry{times[i],
                                std::move(actors[i]),
                                std::move(addresses[i]),
                                std::move(actions[i]),
                                std::move(targets[i]),
                                std::move(befores[i]),
                                std::move(afters[i]),
                                std::move(results[i]),
                                statuses[i],
                                std::move(details[i])};
    r.prevHash = std::move(prevs[i]);
    r.hash = std::move(hashes[i]);
  }
  return records;
}

// The record as an event for the SIEM forwarders: every canonical field under "audit.", so a
// receiver can recompute the chain from the events alone.
common::Event auditEvent(const audit::AuditRecord& record) {
  static common::Uuid7Generator ids;
  common::Event event;
  event.id = ids.next(record.entry.timeMs);
  event.type = "admin." + record.entry.action;
  if (!common::isValidEventType(event.type)) event.type = "admin.other";
  event.timeMs = record.entry.timeMs;
  event.severity = record.entry.result == "ok" ? common::Severity::Info : common::Severity::Low;
  event.user = record.entry.actor;
  auto& d = *event.details;
  d.set("audit.seq", static_cast<Poco::Int64>(record.seq));
  d.set("audit.time_ms", static_cast<Poco::Int64>(record.entry.timeMs));
  d.set("audit.actor", record.entry.actor);
  d.set("audit.address", record.entry.address);
  d.set("audit.action", record.entry.action);
  d.set("audit.target", record.entry.target);
  d.set("audit.before", record.entry.before);
  d.set("audit.after", record.entry.after);
  d.set("audit.result", record.entry.result);
  d.set("audit.status", record.entry.status);
  d.set("audit.detail", record.entry.detail);
  d.set("audit.prev_hash", record.prevHash);
  d.set("audit.hash", record.hash);
  return event;
}

}  // namespace

common::Result<std::optional<audit::AuditRecord>> SqlEventStore::appendAuditWith(const AuditEntryFactory& make) {
  std::optional<audit::AuditRecord> appended;
  auto ran = runErased("appending to the audit trail", true, [&](Session& session) {
    appended.reset();  // a retried body starts over
    if (target_.backend == Backend::PostgreSQL) {
      // Held until commit: the next append of any collector reads this one's row as its head.
      Poco::Int64 locked = 0;
      session << "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(" + std::to_string(kAuditChainLockId) + ")) AS l",
          into(locked), now;
    }
    Poco::Data::Statement statement(session);
    statement << std::string("SELECT ") + kAuditColumns + " FROM audit_log ORDER BY seq DESC LIMIT 1";
    const auto heads = readRecords(statement);
    const audit::AuditRecord* head = heads.empty() ? nullptr : &heads.front();
    auto entry = make(head);
    if (!entry) return;
    audit::AuditRecord record = audit::chainAfter(head, std::move(*entry));
    const auto& e = record.entry;
    Poco::Int64 seq = record.seq, time = e.timeMs;
    std::string actor = e.actor, address = e.address, action = e.action, target = e.target, before = e.before,
                after = e.after, result = e.result, detail = e.detail, prev = record.prevHash, hash = record.hash;
    int status = e.status;
    session << sql(std::string("INSERT INTO audit_log (") + kAuditColumns +
                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        use(seq), use(time), use(actor), use(address), use(action), use(target), use(before), use(after), use(result),
        use(status), use(detail), use(prev), use(hash), now;
    const std::vector<common::Event> events{auditEvent(record)};
    if (target_.backend == Backend::SQLite) {
      insertSqlite(session, events, record.entry.timeMs);
    } else {
      insertPostgres(session, events, record.entry.timeMs);
    }
    appended = std::move(record);
  });
  if (!ran) return ran.error();
  return appended;
}

common::Result<std::vector<audit::AuditRecord>> SqlEventStore::listAudit(const AuditQuery& query) {
  std::vector<audit::AuditRecord> records;
  auto ran = runErased("reading the audit trail", false, [&](Session& session) {
    Poco::Data::Statement statement(session);
    std::string text = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > ?";
    statement, bind(static_cast<Poco::Int64>(query.afterSeq));
    if (query.sinceMs) {
      text += " AND time_ms >= ?";
      statement, bind(static_cast<Poco::Int64>(*query.sinceMs));
    }
    text += std::string(query.newestFirst ? " ORDER BY seq DESC" : " ORDER BY seq") + " LIMIT " +
            std::to_string(query.limit);
    statement << sql(text);
    records = readRecords(statement);
  });
  if (!ran) return ran.error();
  return records;
}

}  // namespace mamori::collector::store
