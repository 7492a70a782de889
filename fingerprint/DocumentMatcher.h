#pragma once
// Which registered documents a scanned text contains. For each document that shares fingerprints
// with the text: containment (the share of the document's fingerprints found in the text) and the
// longest common run (the longest stretch of the text whose consecutive selected fingerprints all
// belong to the document, in normalised characters, its ends moved out to the text's neighbouring
// selected k-grams, at most 2 x every characters each: docs/decisions/0063). A document matches when its containment
// reaches minContainment (with at least minFingerprints shared, so a tiny document is not matched by
// one stray k-gram) or its longest run reaches minChars. Thread-safe over a const set.

#include <cstdint>
#include <vector>

#include "fingerprint/FingerprintSet.h"

namespace mamori::fingerprint {

struct DocumentThresholds {
  double minContainment = 0.5;
  std::int64_t minChars = 300;
  std::int64_t minFingerprints = 3;
};

struct DocumentMatch {
  std::uint32_t document = 0;  // index into FingerprintSet::documents
  double containment = 0;      // 0..1
  std::int64_t longestRunChars = 0;
  std::int64_t sharedFingerprints = 0;
};

// text: the scanned text's fingerprints in position order (fingerprintText with the set's params and key).
// Matches only, best containment first.
std::vector<DocumentMatch> matchDocuments(const FingerprintSet& set, const std::vector<Fingerprint>& text,
                                          const DocumentThresholds& thresholds);

}  // namespace mamori::fingerprint
