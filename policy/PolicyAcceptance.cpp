#include "policy/PolicyAcceptance.h"

#include "common/Crypto.h"
#include "policy/PolicyParser.h"
#include "policy/SignedPolicy.h"

namespace mamori::policy {

namespace {

PolicyRejection reject(RejectReason reason, common::Error error) { return PolicyRejection{reason, {std::move(error)}}; }

}  // namespace

std::string_view rejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedEnvelope: return "malformed_envelope";
    case RejectReason::kUnknownKey: return "unknown_key";
    case RejectReason::kBadSignature: return "bad_signature";
    case RejectReason::kInvalidPolicy: return "invalid_policy";
    case RejectReason::kRollback: return "rollback";
    case RejectReason::kWrongGroup: return "wrong_group";
  }
  return "invalid_policy";
}

std::string PolicyRejection::describe() const {
  std::string out = std::string(rejectReasonName(reason)) + ":";
  for (const auto& error : errors) out += " " + error.describe() + ";";
  if (!errors.empty()) out.pop_back();
  return out;
}

std::optional<PolicyRejection> checkPolicyAcceptable(const Policy& candidate, std::int64_t appliedVersion,
                                                     std::string_view agentGroup) {
  if (candidate.version <= appliedVersion) {
    return reject(RejectReason::kRollback,
                  common::makeError("version " + std::to_string(candidate.version) +
                                        " is not greater than the applied version " + std::to_string(appliedVersion),
                                    "/version"));
  }
  if (candidate.group != agentGroup) {
    const auto show = [](std::string_view g) {
      return g.empty() ? std::string("no group") : "group \"" + std::string(g) + "\"";
    };
    return reject(RejectReason::kWrongGroup, common::makeError("the policy is for " + show(candidate.group) +
                                                                   ", this agent is in " + show(agentGroup),
                                                               "/group"));
  }
  return std::nullopt;
}

std::variant<AcceptedPolicy, PolicyRejection> acceptSignedPolicy(std::string_view envelopeText,
                                                                 const common::PublicKey& pinned,
                                                                 std::int64_t appliedVersion,
                                                                 std::string_view agentGroup) {
  auto envelope = parseSignedPolicyEnvelope(envelopeText);
  if (!envelope) return reject(RejectReason::kMalformedEnvelope, envelope.error());
  if (envelope.value().keyId != pinned.keyId()) {
    return reject(RejectReason::kUnknownKey, common::makeError("signed with key " + envelope.value().keyId +
                                                                   ", but this agent trusts key " + pinned.keyId(),
                                                               "/key_id"));
  }
  if (auto ok = pinned.verify(envelope.value().document, envelope.value().signature); !ok) {
    return reject(RejectReason::kBadSignature, common::makeError(ok.error().message, "/signature"));
  }
  auto parsed = parsePolicy(envelope.value().document);
  if (!parsed.ok()) return PolicyRejection{RejectReason::kInvalidPolicy, std::move(parsed.errors)};
  if (auto refusal = checkPolicyAcceptable(*parsed.policy, appliedVersion, agentGroup)) return std::move(*refusal);
  AcceptedPolicy accepted{std::move(*parsed.policy), std::move(envelope.value().document), {}};
  accepted.sha256 = common::sha256Hex(accepted.document);
  return accepted;
}

}  // namespace mamori::policy
