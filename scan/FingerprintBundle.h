#pragma once
// A fingerprint set as the collector hands it out (GET /api/v1/fingerprint-artifacts/{set}, mamorictl
// fingerprints export): {"envelope": <the signed artifact, policy envelope>, "key": "<fleet key>"}.
// Opening it checks the envelope's Ed25519 signature against the pinned collector key, parses the
// artifact strictly and checks that the key is the one the set was hashed with (docs/decisions/0032).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "common/SigningKey.h"
#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/EdmSet.h"
#include "fingerprint/FingerprintKey.h"
#include "fingerprint/FingerprintSet.h"

namespace mamori::scan {

struct FingerprintScanSet {
  std::shared_ptr<const fingerprint::FingerprintSet> set;
  std::shared_ptr<const fingerprint::FingerprintKey> key;
  fingerprint::DocumentThresholds thresholds;
};

// An exact-data-match set (docs/decisions/0034) opened the same way; minRows: a file is reported when
// at least this many of the table's rows are found in it.
struct EdmScanSet {
  std::shared_ptr<const fingerprint::EdmSet> set;
  std::shared_ptr<const fingerprint::FingerprintKey> key;
  std::int64_t minRows = 1;
};

// appliedVersion: the version of this set already in use (0: none); an older or equal one is refused
// as a replay unless allowSame.
common::Result<FingerprintScanSet> openFingerprintBundle(std::string_view text, const common::PublicKey& pinned,
                                                         std::int64_t appliedVersion = 0, bool allowSame = true);

common::Result<EdmScanSet> openEdmBundle(std::string_view text, const common::PublicKey& pinned,
                                         std::int64_t appliedVersion = 0, bool allowSame = true);

}  // namespace mamori::scan
