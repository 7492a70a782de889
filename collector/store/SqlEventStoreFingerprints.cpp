// SqlEventStore: signed sets, fingerprint sets (schema migration 10, docs/decisions/0032) and
// exact-data-match sets (migration 12, docs/decisions/0034), in tables of the same shape. Only keyed
// hashes and the signed artifacts are stored, never a document's text or a table's values.

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace {

struct SetTables {
  std::string parts, sets;
};

SetTables tablesOf(SetKind kind) {
  if (kind == SetKind::kEdm) return {"edm_parts", "edm_sets"};
  return {"fingerprint_documents", "fingerprint_sets"};
}

}  // namespace

common::Status SqlEventStore::addSetDocuments(SetKind kind, const std::vector<FingerprintDocumentRecord>& documents) {
  const auto t = tablesOf(kind);
  return runErased("storing fingerprinted documents", true, [&](Session& session) {
    for (const auto& document : documents) {
      std::string set = document.set, id = document.id, name = document.name, hashes = document.hashes;
      Poco::Int64 chars = document.chars, added = document.addedMs;
      session << sql("DELETE FROM " + t.parts + " WHERE set_name = ? AND id = ?"), use(set), use(id), now;
      session << sql("INSERT INTO " + t.parts +
                     " (set_name, id, name, chars, hashes, added_ms) VALUES (?, ?, ?, ?, ?, ?)"),
          use(set), use(id), use(name), use(chars), use(hashes), use(added), now;
    }
  });
}

common::Result<std::vector<FingerprintDocumentRecord>> SqlEventStore::setDocuments(SetKind kind, const std::string& set,
                                                                                   bool withHashes) {
  const auto t = tablesOf(kind);
  std::vector<FingerprintDocumentRecord> records;
  auto ran = runErased("reading fingerprinted documents", false, [&](Session& session) {
    std::string key = set;
    std::vector<std::string> ids, names, hashes;
    std::vector<Poco::Int64> chars, added;
    session << sql(std::string(withHashes ? "SELECT id, name, chars, hashes, added_ms FROM "
                                          : "SELECT id, name, chars, '', added_ms FROM ") +
                   t.parts + " WHERE set_name = ? ORDER BY id"),
        use(key), into(ids), into(names), into(chars), into(hashes), into(added), now;
    for (std::size_t i = 0; i < ids.size(); ++i)
      records.push_back({set, ids[i], names[i], chars[i], std::move(hashes[i]), added[i]});
  });
  if (!ran) return ran.error();
  return records;
}

common::Status SqlEventStore::clearSetDocuments(SetKind kind, const std::string& set) {
  const auto t = tablesOf(kind);
  return runErased("deleting a set's parts", true, [&](Session& session) {
    std::string key = set;
    session << sql("DELETE FROM " + t.parts + " WHERE set_name = ?"), use(key), now;
  });
}

common::Result<bool> SqlEventStore::putSet(SetKind kind, const FingerprintSetRecord& record) {
  const auto t = tablesOf(kind);
  bool stored = false;
  auto ran = runErased("storing a fingerprint set", true, [&](Session& session) {
    std::string name = record.name, envelope = record.envelope, sha256 = record.sha256;
    Poco::Int64 version = record.version, previous = record.version - 1, documents = record.documents,
                entries = record.entries, updated = record.updatedMs;
    std::vector<Poco::Int64> versions;
    session << sql("SELECT version FROM " + t.sets + " WHERE name = ?"), use(name), into(versions), now;
    const Poco::Int64 current = versions.empty() ? 0 : versions[0];
    if (current != previous) return;
    if (versions.empty()) {
      session << sql("INSERT INTO " + t.sets +
                     " (name, version, envelope, sha256, documents, entries, updated_ms)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)"),
          use(name), use(version), use(envelope), use(sha256), use(documents), use(entries), use(updated), now;
    } else {
      session << sql("UPDATE " + t.sets +
                     " SET version = ?, envelope = ?, sha256 = ?, documents = ?, entries = ?,"
                     " updated_ms = ? WHERE name = ? AND version = ?"),
          use(version), use(envelope), use(sha256), use(documents), use(entries), use(updated), use(name),
          use(previous), now;
    }
    stored = true;
  });
  if (!ran) return ran.error();
  return stored;
}

namespace {

// sql: the store's dialect adapter (SqlEventStore::sql).
template <typename Sql>
std::vector<FingerprintSetRecord> readSets(Session& session, const std::string& table, const std::string* name,
                                           const Sql& sql) {
  std::vector<std::string> names, envelopes, sha256s;
  std::vector<Poco::Int64> versions, documents, entries, updated, encoded;
  // The envelope is base64url without padding (ASCII): its length gives the file's size unread.
  if (name != nullptr) {
    std::string key = *name;
    session << sql(
        "SELECT name, version, envelope, sha256, documents, entries, updated_ms, CAST(LENGTH(envelope) AS BIGINT) "
        "FROM " +
        table + " WHERE name = ?"),
        use(key), into(names), into(versions), into(envelopes), into(sha256s), into(documents), into(entries),
        into(updated), into(encoded), now;
  } else {
    session << sql(
        "SELECT name, version, '', sha256, documents, entries, updated_ms, CAST(LENGTH(envelope) AS BIGINT) FROM " +
        table + " ORDER BY name"),
        into(names), into(versions), into(envelopes), into(sha256s), into(documents), into(entries), into(updated),
        into(encoded), now;
  }
  std::vector<FingerprintSetRecord> out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out.push_back({names[i], versions[i], std::move(envelopes[i]), sha256s[i], documents[i], entries[i], updated[i],
                   encoded[i] * 3 / 4});
  return out;
}

}  // namespace

common::Result<std::vector<FingerprintSetRecord>> SqlEventStore::listSets(SetKind kind) {
  const auto t = tablesOf(kind);
  std::vector<FingerprintSetRecord> records;
  auto ran = runErased("listing fingerprint sets", false, [&](Session& session) {
    records = readSets(session, t.sets, nullptr, [this](const std::string& text) { return sql(text); });
  });
  if (!ran) return ran.error();
  return records;
}

common::Result<std::optional<FingerprintSetRecord>> SqlEventStore::findSet(SetKind kind, const std::string& name) {
  const auto t = tablesOf(kind);
  std::optional<FingerprintSetRecord> record;
  auto ran = runErased("reading a fingerprint set", false, [&](Session& session) {
    auto found = readSets(session, t.sets, &name, [this](const std::string& text) { return sql(text); });
    if (!found.empty()) record = std::move(found[0]);
  });
  if (!ran) return ran.error();
  return record;
}

common::Result<bool> SqlEventStore::removeSet(SetKind kind, const std::string& name, std::int64_t nowMs) {
  const auto t = tablesOf(kind);
  bool removed = false;
  auto ran = runErased("removing a fingerprint set", true, [&](Session& session) {
    std::string key = name;
    Poco::Int64 updated = nowMs;
    std::vector<std::string> envelopes;
    session << sql("SELECT envelope FROM " + t.sets + " WHERE name = ?"), use(key), into(envelopes), now;
    session << sql("DELETE FROM " + t.parts + " WHERE set_name = ?"), use(key), now;
    if (envelopes.empty() || envelopes[0].empty()) return;
    // The version is kept (and raised) so a set registered again later is newer than any copy agents hold.
    session << sql("UPDATE " + t.sets +
                   " SET version = version + 1, envelope = '', sha256 = '', documents = 0, entries = 0,"
                   " updated_ms = ? WHERE name = ?"),
        use(updated), use(key), now;
    removed = true;
  });
  if (!ran) return ran.error();
  return removed;
}

}  // namespace mamori::collector::store
