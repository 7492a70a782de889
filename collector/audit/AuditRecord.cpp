#include "collector/audit/AuditRecord.h"

#include <array>
#include <utility>

#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"

namespace mamori::collector::audit {

namespace {

// Valid UTF-8, no NUL (PostgreSQL's TEXT cannot hold one; common::storableText, as events), at most
// kMaxFieldBytes, cut before a continuation byte so the result stays valid.
std::string storable(std::string_view text) {
  std::string out = common::storableText(text);
  if (out.size() > kMaxFieldBytes) {
    std::size_t cut = kMaxFieldBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U) --cut;
    out.resize(cut);
  }
  return out;
}

// The canonical fields, in the order fromJson reads them; the writer sorts keys anyway.
common::JsonValue canonicalObject(const AuditRecord& r) {
  namespace json = common::json;
  common::JsonValue object = json::object();
  json::set(object, "seq", json::integer(r.seq));
  json::set(object, "time_ms", json::integer(r.entry.timeMs));
  json::set(object, "actor", json::string(r.entry.actor));
  json::set(object, "address", json::string(r.entry.address));
  json::set(object, "action", json::string(r.entry.action));
  json::set(object, "target", json::string(r.entry.target));
  json::set(object, "before", json::string(r.entry.before));
  json::set(object, "after", json::string(r.entry.after));
  json::set(object, "result", json::string(r.entry.result));
  json::set(object, "status", json::integer(r.entry.status));
  json::set(object, "detail", json::string(r.entry.detail));
  json::set(object, "prev_hash", json::string(r.prevHash));
  return object;
}

bool isHexHash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

AuditEntry normalized(AuditEntry entry) {
  for (std::string* field : {&entry.actor, &entry.address, &entry.action, &entry.target, &entry.before, &entry.after,
                             &entry.result, &entry.detail}) {
    *field = storable(*field);
  }
  return entry;
}

std::string canonicalText(const AuditRecord& record) {
  return common::json::write(canonicalObject(record), common::json::Style::kCanonical);
}

std::string computeHash(const AuditRecord& record) { return common::sha256Hex(canonicalText(record)); }

AuditRecord chainAfter(const AuditRecord* previous, AuditEntry entry) {
  AuditRecord record;
  record.seq = previous != nullptr ? previous->seq + 1 : 1;
  record.entry = normalized(std::move(entry));
  record.prevHash = previous != nullptr ? previous->hash : std::string(kGenesisHash);
  record.hash = computeHash(record);
  return record;
}

common::JsonValue toJson(const AuditRecord& record) {
  common::JsonValue object = canonicalObject(record);
  common::json::set(object, "hash", common::json::string(record.hash));
  common::json::set(object, "time", common::json::string(common::formatUtcMs(record.entry.timeMs)));
  return object;
}

common::Result<AuditRecord> fromJson(const common::JsonValue& value, const std::string& where) {
  if (value.kind != common::JsonKind::kObject) return common::makeError("expected an audit record object", where);
  AuditRecord record;
  const std::array<std::pair<const char*, std::string*>, 11> texts{{
      {"actor", &record.entry.actor},
      {"address", &record.entry.address},
      {"action", &record.entry.action},
      {"target", &record.entry.target},
      {"before", &record.entry.before},
      {"after", &record.entry.after},
      {"result", &record.entry.result},
      {"detail", &record.entry.detail},
      {"prev_hash", &record.prevHash},
      {"hash", &record.hash},
      {"time", nullptr},
  }};
  std::int64_t status = 0;
  const std::array<std::pair<const char*, std::int64_t*>, 3> integers{{
      {"seq", &record.seq},
      {"time_ms", &record.entry.timeMs},
      {"status", &status},
  }};
  std::string ignored;
  for (const auto& member : value.members) {
    const std::string at = common::pointerAppend(where, member.key);
    bool known = false;
    for (const auto& [key, into] : texts) {
      if (member.key != key) continue;
      known = true;
      if (member.value.kind != common::JsonKind::kString) return common::makeError("expected a string", at);
      (into != nullptr ? *into : ignored) = member.value.text;
    }
    for (const auto& [key, into] : integers) {
      if (member.key != key) continue;
      known = true;
      // At most 15 digits: exact in every JSON reader and far beyond any real count or time.
      if (!member.value.isInteger() || member.value.text.size() > 15) {
        return common::makeError("expected a whole number of at most 15 digits", at);
      }
      *into = std::stoll(member.value.text);
    }
    if (!known) return common::makeError("unknown field of an audit record", at);
  }
  for (const auto& [key, into] : texts) {
    if (value.find(key) == nullptr) return common::makeError("missing field", common::pointerAppend(where, key));
  }
  for (const auto& [key, into] : integers) {
    if (value.find(key) == nullptr) return common::makeError("missing field", common::pointerAppend(where, key));
  }
  if (record.seq < 1)
    return common::makeError("expected a sequence number from 1", common::pointerAppend(where, "seq"));
  if (status < 0 || status > 999) {
    return common::makeError("expected an HTTP status", common::pointerAppend(where, "status"));
  }
  record.entry.status = static_cast<int>(status);
  for (const auto& [key, hash] : {std::pair{"prev_hash", &record.prevHash}, std::pair{"hash", &record.hash}}) {
    if (!isHexHash(*hash)) {
      return common::makeError("expected 64 lower-case hex digits", common::pointerAppend(where, key));
    }
  }
  return record;
}

common::Result<AuditPage> parseAuditPage(std::string_view text) {
  common::JsonLimits limits;
  limits.maxBytes = 64U << 20U;  // 1000 records of at most 8 fields of 2 KiB, escaped
  limits.maxDepth = 4;
  limits.maxValues = 1'000'000;
  auto parsed = common::parseJsonStrict(text, limits);
  if (!parsed) return parsed.error();
  const auto& root = parsed.value();
  if (root.kind != common::JsonKind::kObject) return common::makeError("expected a JSON object", "/");
  AuditPage page;
  const auto* records = root.find("records");
  if (records == nullptr || records->kind != common::JsonKind::kArray) {
    return common::makeError("expected an array of records", "/records");
  }
  for (std::size_t i = 0; i < records->items.size(); ++i) {
    auto record = fromJson(records->items[i], common::pointerAppend("/records", i));
    if (!record) return record.error();
    page.records.push_back(std::move(record).value());
  }
  const auto* next = root.find("next_after");
  if (next == nullptr) return common::makeError("missing field", "/next_after");
  if (next->kind != common::JsonKind::kNull) {
    if (!next->isInteger() || next->text.size() > 15 || next->text[0] == '-') {
      return common::makeError("expected a sequence number or null", "/next_after");
    }
    page.nextAfter = std::stoll(next->text);
  }
  return page;
}

std::optional<ChainProblem> ChainVerifier::add(const AuditRecord& record) {
  if (problem_) return problem_;
  const std::string seq = std::to_string(record.seq);
  if (record.seq != lastSeq_ + 1) {
    if (record.seq <= lastSeq_) {
      problem_ = ChainProblem{
          record.seq, ChainFault::kRelinked,
          "record " + seq + " comes after record " + std::to_string(lastSeq_) + ": sequence numbers must grow by one"};
    } else {
      const std::int64_t first = lastSeq_ + 1;
      const std::string range = record.seq - first == 1
                                    ? "record " + std::to_string(first)
                                    : "records " + std::to_string(first) + " to " + std::to_string(record.seq - 1);
      problem_ = ChainProblem{first, ChainFault::kMissing, range + " missing (deleted) before record " + seq};
    }
    return problem_;
  }
  if (computeHash(record) != record.hash) {
    problem_ = ChainProblem{record.seq, ChainFault::kEdited,
                            "record " + seq + " edited: its content does not match its hash " + record.hash};
    return problem_;
  }
  if (record.prevHash != headHash_) {
    // The record itself is consistent, so the link is what changed: the previous record was
    // replaced by another one with a valid hash of its own, or this one was rehashed onto it.
    if (record.seq == 1) {
      problem_ = ChainProblem{1, ChainFault::kEdited, "record 1 edited: its prev_hash is not the start of a chain"};
    } else {
      problem_ = ChainProblem{record.seq - 1, ChainFault::kEdited,
                              "record " + std::to_string(record.seq - 1) + " edited: record " + seq +
                                  " recorded its hash as " + record.prevHash + ", it is now " + headHash_};
    }
    return problem_;
  }
  ++count_;
  lastSeq_ = record.seq;
  headHash_ = record.hash;
  return std::nullopt;
}

std::optional<ChainProblem> verifyChain(const std::vector<AuditRecord>& records) {
  ChainVerifier verifier;
  for (const auto& record : records) {
    if (auto problem = verifier.add(record)) return problem;
  }
  return std::nullopt;
}

}  // namespace mamori::collector::audit
