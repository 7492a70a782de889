#pragma once
// Document fingerprints by content-defined sampling of k-grams over normalised text (set format 4,
// docs/decisions/0063): a k-gram of k normalised characters is selected when a keyed gear hash of its
// characters has its top log2(every) bits (of the k bits that depend on the k-gram alone) all zero.
// Whether a k-gram is selected depends only on its own characters and the fleet key, so a text and a
// registered document select the same k-grams wherever they share text, and one k-gram in `every` is
// selected on average. Each selected k-gram's stored value is its keyed SipHash-2-4
// (FingerprintKey::documentHash, docs/decisions/0049).
//
// The selection hash rolls in one shift, one table load and one addition a character:
//   g = (g << 1) + G[slot(c)]   (32 bits, G: 4,096 words derived from the fleet key)
// after which the low k bits of g are sum over the k-gram's characters c_j of G[slot(c_j)] << (k-1-j),
// a function of the last k characters only (older ones are shifted past bit k-1).
//
// k = 16 and every = 32 (docs/decisions/0063): a shared run of L normalised characters holds L - 15
// k-grams, each selected with probability 1/32 whatever the others (for distinct k-grams of varied
// text), so a run of 300 characters carries about 9 fingerprints and none with probability about
// e^-8.9 (1 in 7,000); there is no minimum run that is always found (winnowing's 47 characters were).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint/FingerprintKey.h"

namespace mamori::fingerprint {

// Uploads name the selection (with FingerprintKey's hash scheme), so an older mamorictl's winnowed
// fingerprints are refused instead of never matching.
constexpr std::string_view kDocumentSelection = "gear-sample";

struct SamplingParams {
  std::size_t k = 16;
  std::size_t every = 32;  // a power of two, at most 2^k: one k-gram in `every` is selected on average
};

// k from 1 to 32, every a power of two from 1 to 1024 and at most 2^k.
bool validSamplingParams(const SamplingParams& params);

struct Fingerprint {
  std::uint64_t hash = 0;      // FingerprintKey::documentHash(the k-gram as UTF-8)
  std::uint32_t position = 0;  // where the k-gram starts in the normalised text
};

// The gear table's slot of a character (12 bits).
inline std::uint32_t gearSlot(char32_t c) { return (static_cast<std::uint32_t>(c) * 0x9E3779B1U) >> 20U; }

// Whether the k-gram chars[0, k) is selected, from its definition (the sum above, computed whole).
bool selectedKgram(const char32_t* chars, const FingerprintKey& key, const SamplingParams& params);

// In position order; a text shorter than k has none. The definition over a whole normalised text:
// the scanner and mamorictl use fingerprintText below; this stays as the reference its tests and
// fuzz target compare it with.
std::vector<Fingerprint> sampleKgrams(const std::u32string& normalized, const FingerprintKey& key,
                                      const SamplingParams& params = {});

// The fingerprints of a text as it is: sampleKgrams(normalizeText(utf8), key, params), the same
// fingerprints, in one pass over the text a piece at a time (8 KiB): no copy of the whole normalised
// text. normalizedChars, when given, receives normalizeText(utf8).size().
std::vector<Fingerprint> fingerprintText(std::string_view utf8, const FingerprintKey& key,
                                         const SamplingParams& params = {}, std::size_t* normalizedChars = nullptr);

// The same, normalising about pieceBytes of the text at a time: tests cut texts into many pieces with it.
std::vector<Fingerprint> fingerprintTextInPieces(std::string_view utf8, const FingerprintKey& key,
                                                 const SamplingParams& params, std::size_t pieceBytes,
                                                 std::size_t* normalizedChars = nullptr);

// The distinct hashes of fingerprints, sorted (what a registered document contributes).
std::vector<std::uint64_t> distinctHashes(const std::vector<Fingerprint>& fingerprints);

}  // namespace mamori::fingerprint
