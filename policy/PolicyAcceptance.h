#pragma once
// Whether an agent may apply a policy that the collector delivered. Pure: the caller passes what it
// has applied and which group it belongs to. Every refusal has a reason code for the
// policy.rejected event; the last good policy stays in force.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/Result.h"
#include "common/SigningKey.h"
#include "policy/Policy.h"

namespace mamori::policy {

enum class RejectReason {
  kMalformedEnvelope,  // not a signed policy envelope at all
  kUnknownKey,         // signed by a key this agent does not trust
  kBadSignature,
  kInvalidPolicy,  // signed, but the document does not validate (errors lists why)
  kRollback,       // version not greater than the applied one
  kWrongGroup,
};

// "malformed_envelope", "unknown_key", "bad_signature", "invalid_policy", "rollback", "wrong_group":
// the `reason` field of policy.rejected events.
std::string_view rejectReasonName(RejectReason reason);

struct PolicyRejection {
  RejectReason reason = RejectReason::kInvalidPolicy;
  std::vector<common::Error> errors;  // at least one
  std::string describe() const;
};

// The rollback and group rule: accept only version > appliedVersion (0 = nothing applied yet, the
// built-in default is in force), and only a policy whose group is exactly the agent's group (a
// policy naming no group matches only an agent without one). Returns nothing when acceptable.
std::optional<PolicyRejection> checkPolicyAcceptable(const Policy& candidate, std::int64_t appliedVersion,
                                                     std::string_view agentGroup);

struct AcceptedPolicy {
  Policy policy;
  std::string document;  // the exact verified bytes, to persist
  std::string sha256;    // of document, for policy.applied
};

// The whole gate, in order: envelope, key id, signature, policy validation, rollback, group.
std::variant<AcceptedPolicy, PolicyRejection> acceptSignedPolicy(std::string_view envelopeText,
                                                                 const common::PublicKey& pinned,
                                                                 std::int64_t appliedVersion,
                                                                 std::string_view agentGroup);

}  // namespace mamori::policy
