#pragma once
// The signed policy envelope as the collector serves it and the agent stores it:
//
//   {"envelope": 1, "algorithm": "Ed25519", "key_id": "<16 hex>",
//    "document": "<base64url of the policy's exact bytes>", "signature": "<base64url>"}
//
// The signature is over the document's bytes exactly as decoded (no canonicalisation, no header
// mixed in), so `mamorictl policy validate` and the agent parse the very bytes that were signed.
// The algorithm field is checked, never obeyed: only Ed25519 is accepted.

#include <string>
#include <string_view>

#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::policy {

struct SignedPolicyEnvelope {
  std::string keyId;
  std::string document;   // the policy JSON bytes
  std::string signature;  // base64url
};

// Signs document with key and returns the envelope's JSON text (one line).
common::Result<std::string> makeSignedPolicyEnvelope(const common::SigningKey& key, std::string_view document);
std::string envelopeToJson(const SignedPolicyEnvelope& envelope);

// Structure only (no signature check): unknown keys, wrong types, bad base64url are errors.
common::Result<SignedPolicyEnvelope> parseSignedPolicyEnvelope(std::string_view text);
// The same envelope around other signed documents (fingerprint sets, docs/decisions/0032), which may
// be larger than a policy's 4 MiB.
common::Result<SignedPolicyEnvelope> parseSignedPolicyEnvelope(std::string_view text, std::size_t maxDocumentBytes);

// Parse + key id must be the pinned key's + signature valid. Returns the verified document bytes.
common::Result<std::string> openSignedPolicy(std::string_view envelopeText, const common::PublicKey& pinned);
common::Result<std::string> openSignedPolicy(std::string_view envelopeText, const common::PublicKey& pinned,
                                             std::size_t maxDocumentBytes);

}  // namespace mamori::policy
