// SqlEventStore: home-PC inspection reports uploaded by staff (schema migration 5).

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

common::Result<bool> SqlEventStore::addInspection(const InspectionRecord& record) {
  bool added = false;
  auto ran = runErased("storing an inspection report", true, [&](Session& session) {
    std::string id = record.id, host = record.host, started = record.started, keyId = record.keyId,
                signature = record.signature, uploadedBy = record.uploadedBy, document = record.document;
    Poco::Int64 received = record.receivedMs, findings = record.findings, critical = record.critical;
    std::vector<std::string> ids;
    session << sql("SELECT id FROM inspections WHERE id = ?"), use(id), into(ids), now;
    if (!ids.empty()) return;
    session << sql(
        "INSERT INTO inspections (id, received_ms, host, started, key_id, signature, findings, critical,"
        " uploaded_by, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        use(id), use(received), use(host), use(started), use(keyId), use(signature), use(findings), use(critical),
        use(uploadedBy), use(document), now;
    added = true;
  });
  if (!ran) return ran.error();
  return added;
}

common::Result<std::vector<InspectionRecord>> SqlEventStore::listInspections(std::int64_t limit) {
  std::vector<InspectionRecord> records;
  auto ran = runErased("listing inspection reports", false, [&](Session& session) {
    Poco::Int64 max = limit;
    std::vector<std::string> ids, hosts, starteds, keyIds, signatures, uploaders;
    std::vector<Poco::Int64> received, findings, critical;
    session << sql(
        "SELECT id, received_ms, host, started, key_id, signature, findings, critical, uploaded_by"
        " FROM inspections ORDER BY received_ms DESC, id LIMIT ?"),
        use(max), into(ids), into(received), into(hosts), into(starteds), into(keyIds), into(signatures),
        into(findings), into(critical), into(uploaders), now;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      records.push_back({ids[i], received[i], hosts[i], starteds[i], keyIds[i], signatures[i], findings[i], critical[i],
                         uploaders[i], ""});
    }
  });
  if (!ran) return ran.error();
  return records;
}

common::Result<std::optional<InspectionRecord>> SqlEventStore::inspection(const std::string& id) {
  std::optional<InspectionRecord> record;
  auto ran = runErased("reading an inspection report", false, [&](Session& session) {
    std::string key = id;
    std::vector<std::string> ids, hosts, starteds, keyIds, signatures, uploaders, documents;
    std::vector<Poco::Int64> received, findings, critical;
    session << sql(
        "SELECT id, received_ms, host, started, key_id, signature, findings, critical, uploaded_by, document"
        " FROM inspections WHERE id = ?"),
        use(key), into(ids), into(received), into(hosts), into(starteds), into(keyIds), into(signatures),
        into(findings), into(critical), into(uploaders), into(documents), now;
    if (!ids.empty()) {
      record = InspectionRecord{ids[0],        received[0], hosts[0],    starteds[0],  keyIds[0],
                                signatures[0], findings[0], critical[0], uploaders[0], documents[0]};
    }
  });
  if (!ran) return ran.error();
  return record;
}

}  // namespace mamori::collector::store
