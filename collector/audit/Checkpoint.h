#pragma once
// Signed checkpoints of the audit trail (docs/admin.md "The audit trail"): a record of action
// audit.checkpoint whose `after` names the chain's head before it ("count N head <hash>") and whose
// `detail` holds an Ed25519 signature of that by the collector's policy key ("ed25519 key <id>
// signature <base64url>"). Sent to the SIEM with the other records, a checkpoint tells records
// deleted from the end of the table apart from records never written.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collector/audit/AuditRecord.h"
#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::collector::audit {

inline constexpr const char* kCheckpointAction = "audit.checkpoint";

// The bytes a checkpoint signs: the chain's head after `count` records.
std::string checkpointMessage(std::int64_t count, std::string_view headHash);

// The checkpoint entry for this head, or nullopt when none is due (no records, or the head is a
// checkpoint already, so an idle chain does not fill up with them).
common::Result<std::optional<AuditEntry>> checkpointEntry(const AuditRecord* head, const common::SigningKey& key,
                                                          std::int64_t nowMs);

// Checks a checkpoint record in its chain: the head it names must be the record before it, and its
// signature must verify with key. Ok, or what is wrong.
common::Status verifyCheckpoint(const AuditRecord& checkpoint, const common::PublicKey& key);

}  // namespace mamori::collector::audit
