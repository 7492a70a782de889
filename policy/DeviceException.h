#pragma once
// Temporary device exceptions, offline (challenge/response). Pure apart from the signature check.
//
// The agent offers a challenge for one blocked device on one PC: "<agent>-<vvvvpppp>-<nonce>", 8 hex
// digits of SHA-256 over the agent id, the device's vendor and product ids, 8 hex digits of nonce
// (e.g. "3f2a91c0-46f40001-9b1c22de"): short enough to read out on the phone, and it shows the
// administrator which model is asked for. The administrator turns it into a response with the
// policy key (mamorictl exception grant): "<challenge>.<minutes>.<signature>", the Ed25519 signature
// over "mamori-exception-v1:<challenge>:<minutes>" (a domain of its own: no policy signature can be
// replayed as an exception, nor the reverse). The agent accepts a response only for a challenge it
// offered and still holds (single use), verifies it with the policy key pinned at enrollment, and
// allows that device from then for the minutes granted.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::policy {

inline constexpr std::int64_t kMaxExceptionMinutes = std::int64_t{7} * 24 * 60;  // a week at most

struct ExceptionGrant {
  std::string challenge;
  std::int64_t minutes = 0;
};

// nonce: 4 random bytes from the caller (the agent's CSPRNG); pure otherwise, so tests are exact.
std::string makeExceptionChallenge(std::string_view agentId, std::uint16_t vendorId, std::uint16_t productId,
                                   std::uint32_t nonce);
bool isExceptionChallenge(std::string_view text);

// The administrator's side (collector or mamorictl with the key file).
common::Result<std::string> signExceptionResponse(const common::SigningKey& key, std::string_view challenge,
                                                  std::int64_t minutes);

// The agent's side: the grant when response is well formed, names expectedChallenge and carries a
// valid signature by key; otherwise an error saying which of these failed.
common::Result<ExceptionGrant> verifyExceptionResponse(const common::PublicKey& key, std::string_view response,
                                                       std::string_view expectedChallenge);

// When a grant accepted at acceptedAtMs ends.
inline std::int64_t exceptionExpiresAtMs(const ExceptionGrant& grant, std::int64_t acceptedAtMs) {
  return acceptedAtMs + grant.minutes * 60'000;
}

}  // namespace mamori::policy
