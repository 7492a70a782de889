#include "agent/report/Spool.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <utility>

#include "agent/report/SpoolDatabase.h"
#include "common/EventJson.h"
#include "common/Log.h"

namespace mamori::agent {

namespace kw = Poco::Data::Keywords;
using common::Error;
using common::Event;
using common::Severity;
using common::Status;

namespace {

constexpr const char* kOverflowType = "spool.overflow";
constexpr const char* kRejectedType = "report.batch_rejected";
// Room kept free for the spool.overflow event written after a drop.
constexpr std::int64_t kReportReserveBytes = std::int64_t{8} * 1024;
// Per (type, severity) lines in a spool.overflow event; the rest are summed into one line.
constexpr std::size_t kMaxOverflowLines = 32;
constexpr std::int64_t kDropChunk = 512;

std::string severityText(int severity) {
  if (severity < 0 || severity > static_cast<int>(Severity::Critical)) return "unknown";
  return std::string(common::severityName(static_cast<Severity>(severity)));
}

}  // namespace

common::Result<std::unique_ptr<Spool>> Spool::open(const std::string& path, SpoolLimits limits, EventFactory& events) {
  auto session = openSpoolDatabase(path);
  std::optional<Error> corruption;
  std::string movedTo;
  if (!session) {
    // Not a database, failed check, cannot be opened: keep it for a person to look at, start afresh.
    corruption = session.error();
    auto moved = moveSpoolAside(path, events.nowMs());
    if (!moved) return moved.error();
    movedTo = moved.value();
    common::log::error("spool " + path + " is unusable (" + corruption->describe() + "); moved it to " + movedTo +
                       " and started a new spool");
    session = openSpoolDatabase(path);
    if (!session) return session.error();
  }
  std::unique_ptr<Spool> spool(new Spool(path, limits, events, std::move(session).value()));
  if (auto loaded = spool->loadCounters(); !loaded) return loaded.error();
  if (corruption) {
    auto details = makeDetails();
    details->set("spool.path", path);
    details->set("spool.moved_to", movedTo);
    details->set("error.message", corruption->describe());
    if (auto s = spool->append({events.make("spool.corrupt", Severity::High, details)}); !s) return s.error();
  }
  return spool;
}

Spool::Spool(std::string path, SpoolLimits limits, EventFactory& events, std::unique_ptr<Poco::Data::Session> session)
    : path_(std::move(path)), limits_(limits), events_(events), session_(std::move(session)) {}

Spool::~Spool() {
  try {
    // Fold the WAL back into the database so a clean stop leaves one self-contained file.
    *session_ << "PRAGMA wal_checkpoint(TRUNCATE)", kw::now;
    session_->close();
  } catch (const std::exception& e) {
    common::log::warning("closing the spool: " + std::string(e.what()));
  }
}

Status Spool::loadCounters() {
  try {
    Poco::Int64 count = 0;
    Poco::Int64 bytes = 0;
    *session_ << "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM events", kw::into(count), kw::into(bytes), kw::now;
    count_ = count;
    bytes_ = bytes;
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot read the spool: " + e.displayText(), path_);
  }
  return common::Ok{};
}

template <typename Body>
Status Spool::inTransaction(const char* what, Body&& body) {
  const std::int64_t savedCount = count_;
  const std::int64_t savedBytes = bytes_;
  auto savedInFlight = inFlight_;
  try {
    session_->begin();
    body();
    session_->commit();
    return common::Ok{};
  } catch (const std::exception& e) {
    const Poco::Exception* poco = dynamic_cast<const Poco::Exception*>(&e);
    std::string message = std::string(what) + ": " + (poco != nullptr ? poco->displayText() : e.what());
    try {
      if (session_->isTransaction()) session_->rollback();
    } catch (const std::exception& rollbackError) {
      message += " (rollback failed too: " + std::string(rollbackError.what()) + ")";
    }
    count_ = savedCount;
    bytes_ = savedBytes;
    inFlight_ = std::move(savedInFlight);
    return common::makeError(std::move(message), path_);
  }
}

void Spool::insertRows(const std::vector<Event>& events) {
  if (events.empty()) return;
  std::vector<std::string> ids;
  std::vector<std::string> types;
  std::vector<int> severities;
  std::vector<Poco::Int64> sizes;
  std::vector<std::string> jsons;
  ids.reserve(events.size());
  types.reserve(events.size());
  severities.reserve(events.size());
  sizes.reserve(events.size());
  jsons.reserve(events.size());
  std::int64_t added = 0;
  for (const Event& event : events) {
    ids.push_back(event.id);
    types.push_back(event.type);
    severities.push_back(static_cast<int>(event.severity));
    jsons.push_back(common::eventToJson(event));
    sizes.push_back(static_cast<Poco::Int64>(jsons.back().size()));
    added += sizes.back();
  }
  *session_ << "INSERT INTO events(id, type, severity, bytes, json) VALUES(?, ?, ?, ?, ?)", kw::use(ids),
      kw::use(types), kw::use(severities), kw::use(sizes), kw::use(jsons), kw::now;
  count_ += static_cast<std::int64_t>(events.size());
  bytes_ += added;
}

Status Spool::append(const std::vector<Event>& events) {
  if (events.empty()) return common::Ok{};
  return inTransaction("cannot write events to the spool", [&] {
    insertRows(events);
    if (count_ > limits_.maxEvents || bytes_ > limits_.maxBytes) {
      std::map<DropKey, DropTally> dropped;
      makeRoom(dropped);
      // The report goes in the same transaction as the drop: no drop without its report.
      if (!dropped.empty()) insertRows({overflowReport(dropped)});
    }
  });
}

void Spool::makeRoom(std::map<DropKey, DropTally>& dropped) {
  auto needEvents = [this] { return count_ + 1 - limits_.maxEvents; };
  auto needBytes = [this] { return bytes_ + kReportReserveBytes - limits_.maxBytes; };
  // First spare the batch being uploaded and earlier overflow reports; touch them only if the
  // bounds cannot be met otherwise (the new report then counts what went).
  dropCandidates(true, needEvents(), needBytes(), dropped);
  if (needEvents() > 0 || needBytes() > 0) dropCandidates(false, needEvents(), needBytes(), dropped);
}

std::int64_t Spool::dropCandidates(bool spare, std::int64_t needEvents, std::int64_t needBytes,
                                   std::map<DropKey, DropTally>& dropped) {
  std::int64_t droppedRows = 0;
  while (needEvents > 0 || needBytes > 0) {
    std::vector<Poco::Int64> seqs;
    std::vector<std::string> ids;
    std::vector<std::string> types;
    std::vector<int> severities;
    std::vector<Poco::Int64> sizes;
    Poco::Int64 floor = spare ? inFlightMaxSeq_ : 0;
    Poco::Int64 chunk = kDropChunk;
    std::string sql = "SELECT seq, id, type, severity, bytes FROM events WHERE seq > ?";
    if (spare) sql += " AND type != 'spool.overflow'";
    sql += " ORDER BY severity, seq LIMIT ?";
    *session_ << sql, kw::into(seqs), kw::into(ids), kw::into(types), kw::into(severities), kw::into(sizes),
        kw::use(floor), kw::use(chunk), kw::now;
    if (seqs.empty()) break;
    std::vector<Poco::Int64> victims;
    for (std::size_t i = 0; i < seqs.size() && (needEvents > 0 || needBytes > 0); ++i) {
      victims.push_back(seqs[i]);
      auto& tally = dropped[{types[i], severities[i]}];
      ++tally.count;
      tally.bytes += sizes[i];
      --needEvents;
      needBytes -= sizes[i];
      --count_;
      bytes_ -= sizes[i];
      inFlight_.erase(ids[i]);
    }
    *session_ << "DELETE FROM events WHERE seq = ?", kw::use(victims), kw::now;
    droppedRows += static_cast<std::int64_t>(victims.size());
  }
  if (inFlight_.empty()) inFlightMaxSeq_ = 0;
  return droppedRows;
}

Event Spool::overflowReport(const std::map<DropKey, DropTally>& dropped) const {
  std::vector<std::pair<DropKey, DropTally>> lines(dropped.begin(), dropped.end());
  // Most severe first, so the lines that matter survive the cap.
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    if (a.first.second != b.first.second) return a.first.second > b.first.second;
    return a.second.count > b.second.count;
  });
  std::int64_t totalCount = 0;
  std::int64_t totalBytes = 0;
  std::int64_t otherCount = 0;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& [key, tally] : lines) {
    totalCount += tally.count;
    totalBytes += tally.bytes;
    if (list->size() >= kMaxOverflowLines) {
      otherCount += tally.count;
      continue;
    }
    Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    line->set("type", key.first);
    line->set("severity", severityText(key.second));
    line->set("events", tally.count);
    line->set("bytes", tally.bytes);
    list->add(line);
  }
  auto details = makeDetails();
  details->set("spool.dropped.events", totalCount);
  details->set("spool.dropped.bytes", totalBytes);
  details->set("spool.dropped.by_type", list);
  if (otherCount > 0) details->set("spool.dropped.other_events", otherCount);
  details->set("spool.max_events", limits_.maxEvents);
  details->set("spool.max_bytes", limits_.maxBytes);
  common::log::warning("spool full: dropped " + std::to_string(totalCount) + " events (" + std::to_string(totalBytes) +
                       " bytes), lowest severity and oldest first");
  return events_.make(kOverflowType, Severity::Medium, details);
}

common::Result<SpoolBatch> Spool::readBatch(std::int64_t maxEvents, std::int64_t maxBytes) {
  std::vector<Poco::Int64> seqs;
  std::vector<std::string> ids;
  std::vector<Poco::Int64> sizes;
  std::vector<std::string> jsons;
  Poco::Int64 limit = std::max<std::int64_t>(std::min(maxEvents, limits_.maxEvents / 2), 1);
  maxBytes = std::min(maxBytes, limits_.maxBytes / 2);
  try {
    *session_ << "SELECT seq, id, bytes, json FROM events ORDER BY seq LIMIT ?", kw::into(seqs), kw::into(ids),
        kw::into(sizes), kw::into(jsons), kw::use(limit), kw::now;
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot read events from the spool: " + e.displayText(), path_);
  }
  SpoolBatch batch;
  inFlight_.clear();
  inFlightMaxSeq_ = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (!batch.empty() && batch.bytes + sizes[i] > maxBytes) break;
    batch.ids.push_back(std::move(ids[i]));
    batch.jsonLines.push_back(std::move(jsons[i]));
    batch.bytes += sizes[i];
    inFlight_[batch.ids.back()] = sizes[i];
    inFlightMaxSeq_ = seqs[i];
  }
  return batch;
}

void Spool::releaseInFlight() {
  inFlight_.clear();
  inFlightMaxSeq_ = 0;
}

std::vector<Spool::PresentRow> Spool::presentRows(const std::vector<std::string>& ids) {
  std::vector<PresentRow> rows;
  rows.reserve(ids.size());
  for (const std::string& id : ids) {
    std::vector<Poco::Int64> sizes;
    std::vector<std::string> types;
    std::string key = id;
    *session_ << "SELECT bytes, type FROM events WHERE id = ?", kw::into(sizes), kw::into(types), kw::use(key), kw::now;
    if (!sizes.empty()) rows.push_back({id, types.front(), sizes.front()});
  }
  return rows;
}

void Spool::deleteRows(const std::vector<PresentRow>& rows) {
  if (rows.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& row : rows) {
    ids.push_back(row.id);
    --count_;
    bytes_ -= row.bytes;
    inFlight_.erase(row.id);
  }
  *session_ << "DELETE FROM events WHERE id = ?", kw::use(ids), kw::now;
  if (inFlight_.empty()) inFlightMaxSeq_ = 0;
}

Status Spool::acknowledge(const std::vector<std::string>& ids) {
  if (ids.empty()) return common::Ok{};
  return inTransaction("cannot remove delivered events from the spool", [&] {
    std::vector<PresentRow> rows;
    std::vector<std::string> unknown;
    rows.reserve(ids.size());
    for (const std::string& id : ids) {
      auto it = inFlight_.find(id);
      if (it != inFlight_.end()) {
        rows.push_back({id, {}, it->second});
      } else {
        unknown.push_back(id);
      }
    }
    auto others = presentRows(unknown);  // normally none: acks are for the batch in flight
    rows.insert(rows.end(), others.begin(), others.end());
    deleteRows(rows);
  });
}

Status Spool::reject(const std::vector<std::string>& ids, const Rejection& why) {
  if (ids.empty()) return common::Ok{};
  return inTransaction("cannot move rejected events aside", [&] {
    const auto rows = presentRows(ids);
    if (rows.empty()) return;
    std::vector<std::string> moved;
    std::vector<int> statuses(rows.size(), why.status);
    std::vector<std::string> errors(rows.size(), why.where.empty() ? why.error : why.where + ": " + why.error);
    std::vector<Poco::Int64> times(rows.size(), events_.nowMs());
    bool onlyReports = true;
    for (const auto& row : rows) {
      moved.push_back(row.id);
      onlyReports = onlyReports && row.type == kRejectedType;
    }
    *session_ << "INSERT INTO rejected(id, json, status, error, rejected_ms) "
                 "SELECT id, json, ?, ?, ? FROM events WHERE id = ?",
        kw::use(statuses), kw::use(errors), kw::use(times), kw::use(moved), kw::now;
    Poco::Int64 keep = limits_.maxRejected;
    *session_ << "DELETE FROM rejected WHERE seq <= (SELECT MAX(seq) FROM rejected) - ?", kw::use(keep), kw::now;
    deleteRows(rows);
    // A rejected report about rejections is not reported again: that could go round for ever.
    if (onlyReports) {
      common::log::error("the collector refused " + std::to_string(rows.size()) +
                         " rejection reports too; they are kept in the rejected table of " + path_);
      return;
    }
    auto details = makeDetails();
    details->set("http.response.status_code", why.status);
    details->set("error.message", why.error);
    details->set("error.where", why.where);
    details->set("report.rejected.events", static_cast<std::int64_t>(rows.size()));
    details->set("report.rejected.kept_in", path_ + " (table rejected)");
    insertRows({events_.make(kRejectedType, Severity::High, details)});
  });
}

common::Result<std::int64_t> Spool::rejectedCount() {
  try {
    Poco::Int64 count = 0;
    *session_ << "SELECT COUNT(*) FROM rejected", kw::into(count), kw::now;
    return static_cast<std::int64_t>(count);
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot read the rejected table: " + e.displayText(), path_);
  }
}

common::Result<std::vector<RejectedRow>> Spool::rejectedRows() {
  std::vector<std::string> ids;
  std::vector<std::string> jsons;
  std::vector<int> statuses;
  std::vector<std::string> errors;
  try {
    *session_ << "SELECT id, json, status, error FROM rejected ORDER BY seq", kw::into(ids), kw::into(jsons),
        kw::into(statuses), kw::into(errors), kw::now;
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot read the rejected table: " + e.displayText(), path_);
  }
  std::vector<RejectedRow> rows;
  for (std::size_t i = 0; i < ids.size(); ++i) rows.push_back({ids[i], jsons[i], statuses[i], errors[i]});
  return rows;
}

common::Result<std::vector<std::string>> Spool::allJson() {
  std::vector<std::string> jsons;
  try {
    *session_ << "SELECT json FROM events ORDER BY seq", kw::into(jsons), kw::now;
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot read the spool: " + e.displayText(), path_);
  }
  return jsons;
}

}  // namespace mamori::agent
