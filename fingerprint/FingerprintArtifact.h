#pragma once
// The fingerprint set as the collector signs and the agent stores it (docs/policy.md "Fingerprint
// and exact-data-match sets"): one JSON object, versioned by "format_version",
//
//   {"format": "mamori-fingerprints", "format_version": 1, "set": "contracts", "version": 3,
//    "created_at": "...", "key_id": "<16 hex>", "k": 16, "window": 32, "boilerplate_docs": 3,
//    "boilerplate_dropped": 12, "documents": [{"id": "...", "chars": 5120, "fingerprints": 270}],
//    "entries": "<base64url: 12 bytes per entry, u64 hash then u32 document index, little-endian,
//                 sorted by hash then index>"}
//
// The bytes travel inside the policy envelope (Ed25519 over the exact bytes, policy/SignedPolicy.h).
// The parser is strict and bounded (sizes, counts, order, per-document counts); it is fuzzed.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/FingerprintSet.h"

namespace mamori::fingerprint {

constexpr std::string_view kFingerprintFormat = "mamori-fingerprints";
constexpr std::int64_t kFingerprintFormatVersion = 1;

struct ArtifactLimits {
  std::size_t maxBytes = 512U << 20U;
  std::size_t maxDocuments = 200'000;
  std::size_t maxEntries = 32U << 20U;
};

std::string fingerprintArtifactJson(const FingerprintSet& set);
common::Result<FingerprintSet> parseFingerprintArtifact(std::string_view text, const ArtifactLimits& limits = {});

// Names of sets and documents end up in events and file names: letters, digits, '_', '-', '.', 1 to 64
// characters, not starting with '.'.
bool isSafeSetName(std::string_view name);

}  // namespace mamori::fingerprint
