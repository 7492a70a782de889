#pragma once
// Document fingerprints by winnowing (Schleimer, Wilkerson, Aiken 2003) over normalised text:
// every k-gram of characters gets a fast keyed rolling hash; in each window of w consecutive k-gram
// hashes the minimum is selected (the rightmost on ties), and each selected k-gram's stored value is
// its keyed SipHash-2-4 (FingerprintKey::documentHash, docs/decisions/0049). Any run of at least w + k - 1 characters
// shared by two texts is guaranteed to share a fingerprint, and about 2 / (w + 1) of the positions are selected.
//
// k = 16 and w = 32 (docs/decisions/0032): a shared run of 47 normalised characters is always found
// (the "exact match from about 50 characters" of commercial tools), about 6% of positions are kept
// (a 300-character excerpt carries about 18 fingerprints), and 16 characters are specific enough that
// unrelated texts rarely share a k-gram (3-4 English words without spaces, a Japanese clause).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint/FingerprintKey.h"

namespace mamori::fingerprint {

struct WinnowParams {
  std::size_t k = 16;
  std::size_t window = 32;
};

struct Fingerprint {
  std::uint64_t hash = 0;      // FingerprintKey::documentHash(the k-gram as UTF-8)
  std::uint32_t position = 0;  // where the k-gram starts in the normalised text
};

// In position order; a text shorter than k has none. The definition over a whole normalised text:
// the scanner and mamorictl use fingerprintText below; this stays as the reference its tests and
// fuzz target compare it with (docs/decisions/0058).
std::vector<Fingerprint> winnow(const std::u32string& normalized, const FingerprintKey& key,
                                const WinnowParams& params = {});

// The fingerprints of a text as it is: winnow(normalizeText(utf8), key, params), the same fingerprints,
// in one pass over the text a piece at a time: no copy of the whole normalised text
// nor of its selection hashes. normalizedChars, when given, receives normalizeText(utf8).size().
std::vector<Fingerprint> fingerprintText(std::string_view utf8, const FingerprintKey& key,
                                         const WinnowParams& params = {}, std::size_t* normalizedChars = nullptr);

// The same, normalising about pieceBytes of the text at a time (fingerprintText's is 8 KiB): tests
// cut texts into many pieces with it.
std::vector<Fingerprint> fingerprintTextInPieces(std::string_view utf8, const FingerprintKey& key,
                                                 const WinnowParams& params, std::size_t pieceBytes,
                                                 std::size_t* normalizedChars = nullptr);

// The distinct hashes of fingerprints, sorted (what a registered document contributes).
std::vector<std::uint64_t> distinctHashes(const std::vector<Fingerprint>& fingerprints);

}  // namespace mamori::fingerprint
