#pragma once
// One administrative action or sign-in attempt in the collector's audit trail (docs/admin.md,
// docs/decisions/0021-admin-audit-trail.md), and its place in the hash chain: every record carries
// the SHA-256 of the previous record's canonical JSON, and its own hash over its canonical JSON
// (which includes prev_hash). Pure: the collector's store, mamorictl and the tests share it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/JsonValue.h"
#include "common/Result.h"

namespace mamori::collector::audit {

// prev_hash of the first record: no record comes before it.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// What the collector knows about an action when it records it; the chain fields come later.
struct AuditEntry {
  std::int64_t timeMs = 0;
  std::string actor;    // console user, "admin-token", "local:<account>" (collector host CLI), "collector"
  std::string address;  // the peer's IP address ("" for local commands)
  std::string action;   // "policy.push", "agent.group.set", "session.signin", ...
  std::string target;   // what it acted on: "group:finance", "agent:<id>", "" when nothing in particular
  std::string before;   // the value before the change, when it applies ("" otherwise)
  std::string after;    // the value after it
  std::string result;   // "ok" or "refused"
  int status = 0;       // the HTTP status answered (0 for local commands that succeeded)
  std::string detail;   // why it was refused, or a short note
};

struct AuditRecord {
  std::int64_t seq = 0;  // 1, 2, 3 ... without gaps
  AuditEntry entry;
  std::string prevHash;  // hex SHA-256 of the previous record's canonical form
  std::string hash;      // hex SHA-256 of this record's canonical form
};

// Longest stored text of one field; longer values are cut (on a UTF-8 boundary) before hashing.
inline constexpr std::size_t kMaxFieldBytes = 2048;

// The entry with every text made valid UTF-8 and cut to kMaxFieldBytes: what is stored and hashed.
AuditEntry normalized(AuditEntry entry);

// The canonical JSON object the hash covers (common/JsonText canonical form): every field of the
// entry, seq and prev_hash; not the hash itself.
std::string canonicalText(const AuditRecord& record);
std::string computeHash(const AuditRecord& record);

// The record that follows `previous` (nullptr for the first one), with seq, prev_hash and hash set.
AuditRecord chainAfter(const AuditRecord* previous, AuditEntry entry);

// The record as the API shows it: the canonical fields plus "hash" and "time" (UTC text).
common::JsonValue toJson(const AuditRecord& record);
// The reverse, strictly: every canonical field present with the right type, no unknown fields
// beyond "hash" and "time". `where` names the record in errors ("/records/3").
common::Result<AuditRecord> fromJson(const common::JsonValue& value, const std::string& where);

// What verifyChain found wrong with the first bad record.
enum class ChainFault {
  kEdited,   // its content does not match its own hash: the row was changed
  kMissing,  // one or more records before it are gone (its seq skips, or the first seq is not 1)
  kRelinked  // its prev_hash is not the previous record's hash although no seq is missing
};

struct ChainProblem {
  std::int64_t seq = 0;  // the first bad record (for kMissing: the first missing seq)
  ChainFault fault = ChainFault::kEdited;
  std::string message;  // says which record and what is wrong, for people
};

// Checks records in seq order from the start of the chain; nullopt when the chain is intact.
std::optional<ChainProblem> verifyChain(const std::vector<AuditRecord>& records);

// Incremental form for long chains read page by page: feed records in order.
class ChainVerifier {
 public:
  // nullopt while intact; the first problem found, then the same one for every later call.
  std::optional<ChainProblem> add(const AuditRecord& record);
  std::int64_t count() const { return count_; }
  const std::string& headHash() const { return headHash_; }

 private:
  std::int64_t count_ = 0;
  std::int64_t lastSeq_ = 0;
  std::string headHash_{kGenesisHash};
  std::optional<ChainProblem> problem_;
};

// One answer of GET /api/v1/audit: {"records": [...], "next_after": N or null}. Strict: the text
// comes over the network (mamorictl audit verify reads it).
struct AuditPage {
  std::vector<AuditRecord> records;
  std::optional<std::int64_t> nextAfter;
};
common::Result<AuditPage> parseAuditPage(std::string_view text);

}  // namespace mamori::collector::audit
