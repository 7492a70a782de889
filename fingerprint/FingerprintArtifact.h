#pragma once
// The fingerprint set as the collector signs and the agent keeps it (docs/decisions/0035): binary,
// little-endian, after the common header (ArtifactFields.h, kind 1):
//
//   160 4 k   164 4 every (SamplingParams; format 4)   168 8 boilerplate_docs   176 8 boilerplate_dropped
//   184 4 documents   188 4 bytes of document ids
//   192 documents x 24 bytes: u64 chars, u64 fingerprints, u32 id offset, u32 id length
//       then the ids (letters, digits, '_', '-', '.'), zero-padded to 8 bytes
//       then the index (SetIndex: directory and 8-byte records; payload = document number)
//
// The scanner uses the index where it lies in the artifact's bytes. The parser is strict and
// bounded (sizes, counts, order, per-document counts, every byte accounted for); it is fuzzed.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/FingerprintSet.h"

namespace mamori::fingerprint {

struct ArtifactLimits {
  std::size_t maxBytes = 512U << 20U;
  std::size_t maxDocuments = 200'000;
  std::size_t maxEntries = 32U << 20U;
};

std::string fingerprintArtifact(const FingerprintSet& set);
// The artifact is bytes[0, length); the set's index points into bytes, which it keeps alive.
common::Result<FingerprintSet> parseFingerprintArtifact(std::shared_ptr<const std::string> bytes, std::size_t length,
                                                        const ArtifactLimits& limits = {});
common::Result<FingerprintSet> parseFingerprintArtifact(std::string bytes, const ArtifactLimits& limits = {});

// Names of sets and documents end up in events and file names: letters, digits, '_', '-', '.', 1 to 64
// characters, not starting with '.'.
bool isSafeSetName(std::string_view name);

}  // namespace mamori::fingerprint
