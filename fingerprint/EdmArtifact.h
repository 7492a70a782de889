#pragma once
// The exact-data-match set as the collector signs and the agent stores it (docs/policy.md
// "Fingerprint and exact-data-match sets", docs/decisions/0034): one JSON object,
//
//   {"format": "mamori-edm", "format_version": 1, "set": "customers", "version": 2,
//    "created_at": "...", "key_id": "<16 hex>", "columns": ["name", "kana", "phone", "skip", ...],
//    "min_columns": 2, "window": 512, "rows": 3000,
//    "entries": "<base64url: 12 bytes per entry, u64 key then u32 row, little-endian, sorted>"}
//
// It travels inside the policy envelope like a fingerprint set. The parser is strict and bounded
// (sizes, counts, order, rows and columns in range); it is fuzzed (fuzz_edm_artifact).

#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/EdmSet.h"
#include "fingerprint/FingerprintArtifact.h"

namespace mamori::fingerprint {

constexpr std::string_view kEdmFormat = "mamori-edm";
constexpr std::int64_t kEdmFormatVersion = 1;
constexpr std::int64_t kEdmMaxRows = 50'000'000;

std::string edmArtifactJson(const EdmSet& set);
// limits.maxEntries bounds the entries; maxDocuments is not used.
common::Result<EdmSet> parseEdmArtifact(std::string_view text, const ArtifactLimits& limits = {});

}  // namespace mamori::fingerprint
