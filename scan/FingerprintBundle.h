#pragma once
// A fingerprint or exact-data-match set as the collector hands it out (GET
// /api/v1/fingerprint-artifacts/{set} and /api/v1/edm-artifacts/{set}, mamorictl ... export): the
// signed set file (fingerprint/SignedSet.h) with the fleet key appended. Opening it checks the Ed25519
// signature over the whole artifact against the pinned collector key before reading any of it,
// parses the artifact strictly, checks that the key is the one the set was hashed with and that the
// version is not older than the one applied (docs/decisions/0032, 0035). The set's index stays in
// the file's bytes, which the opened set keeps alive.

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
common::Result<FingerprintScanSet> openFingerprintBundle(const std::shared_ptr<const std::string>& file,
                                                         const common::PublicKey& pinned,
                                                         std::int64_t appliedVersion = 0, bool allowSame = true);

common::Result<EdmScanSet> openEdmBundle(const std::shared_ptr<const std::string>& file,
                                         const common::PublicKey& pinned, std::int64_t appliedVersion = 0,
                                         bool allowSame = true);

// Reads a set file into one buffer of its size (the index is used in place).
common::Result<std::shared_ptr<const std::string>> readSetFile(const std::string& path);

}  // namespace mamori::scan
