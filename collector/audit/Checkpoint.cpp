#include "collector/audit/Checkpoint.h"

namespace mamori::collector::audit {

namespace {

constexpr std::string_view kSignaturePrefix = "ed25519 key ";
constexpr std::string_view kSignatureInfix = " signature ";

std::string headText(std::int64_t count, std::string_view headHash) {
  return "count " + std::to_string(count) + " head " + std::string(headHash);
}

}  // namespace

std::string checkpointMessage(std::int64_t count, std::string_view headHash) {
  return "mamori audit checkpoint\n" + headText(count, headHash) + "\n";
}

common::Result<std::optional<AuditEntry>> checkpointEntry(const AuditRecord* head, const common::SigningKey& key,
                                                          std::int64_t nowMs) {
  if (head == nullptr || head->entry.action == kCheckpointAction) return std::optional<AuditEntry>();
  auto signature = key.sign(checkpointMessage(head->seq, head->hash));
  if (!signature) return signature.error();
  AuditEntry entry;
  entry.timeMs = nowMs;
  entry.actor = "collector";
  entry.action = kCheckpointAction;
  entry.target = "audit trail";
  entry.after = headText(head->seq, head->hash);
  entry.result = "ok";
  entry.detail = std::string(kSignaturePrefix) + key.keyId() + std::string(kSignatureInfix) + signature.value();
  return std::optional<AuditEntry>(std::move(entry));
}

common::Status verifyCheckpoint(const AuditRecord& checkpoint, const common::PublicKey& key) {
  const std::string seq = std::to_string(checkpoint.seq);
  const std::string claimed = headText(checkpoint.seq - 1, checkpoint.prevHash);
  if (checkpoint.entry.after != claimed) {
    return common::makeError("checkpoint " + seq + " names \"" + checkpoint.entry.after +
                             "\", the chain before it is \"" + claimed + "\"");
  }
  const std::string prefix = std::string(kSignaturePrefix) + key.keyId() + std::string(kSignatureInfix);
  if (checkpoint.entry.detail.rfind(prefix, 0) != 0) {
    return common::makeError("checkpoint " + seq + " is not signed by key " + key.keyId());
  }
  auto verified = key.verify(checkpointMessage(checkpoint.seq - 1, checkpoint.prevHash),
                             std::string_view(checkpoint.entry.detail).substr(prefix.size()));
  if (!verified)
    return common::makeError("checkpoint " + seq + "'s signature does not verify: " + verified.error().message);
  return common::Ok{};
}

}  // namespace mamori::collector::audit
