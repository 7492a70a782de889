#include "collector/siem/ForwardStore.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Tuple.h>

namespace mamori::collector::siem {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace {
constexpr std::size_t kConnectTimeoutS = 10;
constexpr int kSqliteBusyTimeoutMs = 5000;
}  // namespace

ForwardStore::ForwardStore(store::DbTarget target) : target_(std::move(target)) {}

ForwardStore::~ForwardStore() {
  try {
    if (session_) session_->close();
  } catch (...) {  // a broken connection at exit: nothing to do
  }
}

std::string ForwardStore::sql(const std::string& text) const { return store::placeholdersFor(target_.backend, text); }

template <typename T, typename Body>
common::Result<T> ForwardStore::run(const char* what, Body&& body) {
  try {
    if (!session_) {
      if (target_.backend == store::Backend::SQLite) {
        session_ = std::make_unique<Session>("SQLite", target_.connectionString, 1);
        int timeout = 0;
        *session_ << "PRAGMA busy_timeout=" + std::to_string(kSqliteBusyTimeoutMs), into(timeout), now;
      } else {
        session_ = std::make_unique<Session>("PostgreSQL", target_.connectionString, kConnectTimeoutS);
      }
    }
    return body(*session_);
  } catch (const Poco::Exception& e) {
    session_.reset();  // reconnect next time: the connection may be what broke
    return common::makeError(std::string(what) + ": " + e.displayText(), target_.display);
  } catch (const std::exception& e) {
    session_.reset();
    return common::makeError(std::string(what) + ": " + e.what(), target_.display);
  }
}

common::Result<bool> ForwardStore::acquireLease(const std::string& sink, const std::string& owner, std::int64_t nowMs,
                                                std::int64_t leaseMs) {
  return run<bool>("taking the SIEM sink lease", [&](Session& session) {
    std::string name = sink, who = owner;
    Poco::Int64 at = nowMs, until = nowMs + leaseMs;
    session << sql(
        "INSERT INTO siem_cursors (sink, cursor_tx, cursor_seq, updated_ms) VALUES (?, 0, 0, ?)"
        " ON CONFLICT (sink) DO NOTHING"),
        use(name), use(at), now;
    session << sql(
        "UPDATE siem_cursors SET lease_owner = ?, lease_until_ms = ?"
        " WHERE sink = ? AND (lease_owner = ? OR lease_owner = '' OR lease_until_ms < ?)"),
        use(who), use(until), use(name), use(who), use(at), now;
    std::string holder;
    session << sql("SELECT lease_owner FROM siem_cursors WHERE sink = ?"), use(name), into(holder), now;
    return holder == owner;
  });
}

common::Result<std::optional<SinkCursor>> ForwardStore::cursor(const std::string& sink) {
  return run<std::optional<SinkCursor>>("reading a SIEM cursor", [&](Session& session) {
    std::string name = sink;
    std::vector<Poco::Tuple<Poco::Int64, Poco::Int64, Poco::Int64, std::string, Poco::Int64, Poco::Int64>> rows;
    session << sql(
        "SELECT cursor_tx, cursor_seq, forwarded, lease_owner, lease_until_ms, updated_ms"
        " FROM siem_cursors WHERE sink = ?"),
        use(name), into(rows), now;
    std::optional<SinkCursor> result;
    if (!rows.empty()) {
      const auto& r = rows.front();
      result = SinkCursor{{r.get<0>(), r.get<1>()}, r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()};
    }
    return result;
  });
}

common::Result<bool> ForwardStore::saveCursor(const std::string& sink, const std::string& owner, const IngestKey& key,
                                              std::int64_t forwardedDelta, std::int64_t nowMs) {
  return run<bool>("saving a SIEM cursor", [&](Session& session) {
    std::string name = sink, who = owner;
    Poco::Int64 tx = key.tx, seq = key.seq, delta = forwardedDelta, at = nowMs;
    session << sql(
        "UPDATE siem_cursors SET cursor_tx = ?, cursor_seq = ?, forwarded = forwarded + ?,"
        " updated_ms = ? WHERE sink = ? AND lease_owner = ?"),
        use(tx), use(seq), use(delta), use(at), use(name), use(who), now;
    std::vector<Poco::Tuple<Poco::Int64, Poco::Int64>> check;
    session << sql("SELECT cursor_tx, cursor_seq FROM siem_cursors WHERE sink = ? AND lease_owner = ?"), use(name),
        use(who), into(check), now;
    return !check.empty() && check.front().get<0>() == tx && check.front().get<1>() == seq;
  });
}

common::Result<std::vector<StoredEvent>> ForwardStore::readAfter(const IngestKey& after, std::size_t limit) {
  return run<std::vector<StoredEvent>>("reading events to forward", [&](Session& session) {
    Poco::Int64 tx = after.tx, seq = after.seq, max = static_cast<Poco::Int64>(limit);
    // Row values compare (tx, seq) lexicographically on both backends.
    std::string text =
        "SELECT ingest_tx, ingest_seq, id, type, time_ms, received_ms, severity, agent_id, host, user_name, details"
        " FROM events WHERE (ingest_tx, ingest_seq) > (?, ?)";
    if (target_.backend == store::Backend::PostgreSQL) {
      text += " AND ingest_tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
    }
    text += " ORDER BY ingest_tx, ingest_seq LIMIT ?";
    Poco::Data::Statement select(session);
    select << sql(text), use(tx), use(seq), use(max);
    select.execute();
    Poco::Data::RecordSet rows(select);
    std::vector<StoredEvent> events;
    events.reserve(rows.rowCount());
    for (std::size_t i = 0; i < rows.rowCount(); ++i) {
      StoredEvent e;
      e.key.tx = rows.value(0, i).convert<Poco::Int64>();
      e.key.seq = rows.value(1, i).convert<Poco::Int64>();
      e.id = rows.value(2, i).convert<std::string>();
      e.type = rows.value(3, i).convert<std::string>();
      e.timeMs = rows.value(4, i).convert<Poco::Int64>();
      e.receivedMs = rows.value(5, i).convert<Poco::Int64>();
      e.severity = rows.value(6, i).convert<int>();
      e.agentId = rows.value(7, i).convert<std::string>();
      e.host = rows.value(8, i).convert<std::string>();
      e.user = rows.value(9, i).convert<std::string>();
      e.detailsJson = rows.value(10, i).convert<std::string>();
      events.push_back(std::move(e));
    }
    return events;
  });
}

common::Result<std::int64_t> ForwardStore::countAfter(const IngestKey& after, std::int64_t cap) {
  return run<std::int64_t>("counting events not yet forwarded", [&](Session& session) {
    Poco::Int64 tx = after.tx, seq = after.seq, limit = cap, count = 0;
    session << sql("SELECT count(*) FROM (SELECT 1 FROM events WHERE (ingest_tx, ingest_seq) > (?, ?) LIMIT ?) AS l"),
        use(tx), use(seq), use(limit), into(count), now;
    return static_cast<std::int64_t>(count);
  });
}

common::Result<std::vector<std::pair<std::string, SinkCursor>>> ForwardStore::listCursors() {
  return run<std::vector<std::pair<std::string, SinkCursor>>>("listing SIEM cursors", [&](Session& session) {
    std::vector<Poco::Tuple<std::string, Poco::Int64, Poco::Int64, Poco::Int64, std::string, Poco::Int64, Poco::Int64>>
        rows;
    session << "SELECT sink, cursor_tx, cursor_seq, forwarded, lease_owner, lease_until_ms, updated_ms"
               " FROM siem_cursors ORDER BY sink",
        into(rows), now;
    std::vector<std::pair<std::string, SinkCursor>> result;
    result.reserve(rows.size());
    for (const auto& r : rows) {
      result.emplace_back(r.get<0>(),
                          SinkCursor{{r.get<1>(), r.get<2>()}, r.get<3>(), r.get<4>(), r.get<5>(), r.get<6>()});
    }
    return result;
  });
}

}  // namespace mamori::collector::siem
