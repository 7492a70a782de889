#pragma once
// The exact-data-match set as the collector signs and the agent keeps it (docs/decisions/0034, 0035):
// binary, little-endian, after the common header (ArtifactFields.h, kind 2):
//
//   160 4 columns   164 4 min_columns   168 8 window   176 8 rows   184 1 row bits   185 7 zero
//   192 64 column types, one byte each (EdmType; zero beyond the columns)
//   256 64 per kind of value (EdmKind: name, phone, email, digits, address, text), the u64 mask of
//          its values' byte lengths (EdmLengths; zero for a kind no column has), then 2 x u64 zero
//   320 the index (SetIndex: directory and 8-byte records; payload = column << row bits | row)
//
// The scanner uses the index where it lies in the artifact's bytes. The parser is strict and
// bounded (sizes, counts, order, rows and columns in range, every byte accounted for); it is fuzzed
// (fuzz_edm_artifact).

#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/EdmSet.h"
#include "fingerprint/FingerprintArtifact.h"

namespace mamori::fingerprint {

constexpr std::int64_t kEdmMaxRows = 50'000'000;

std::string edmArtifact(const EdmSet& set);
// The artifact is bytes[0, length); the set's index points into bytes, which it keeps alive.
// limits.maxEntries bounds the entries; maxDocuments is not used.
common::Result<EdmSet> parseEdmArtifact(const std::shared_ptr<const std::string>& bytes, std::size_t length,
                                        const ArtifactLimits& limits = {});
common::Result<EdmSet> parseEdmArtifact(std::string bytes, const ArtifactLimits& limits = {});

}  // namespace mamori::fingerprint
