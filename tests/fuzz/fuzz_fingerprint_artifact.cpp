// A fingerprint set reaches the agent from the collector and from its state directory as a signed
// set file (fingerprint/SignedSet.h around fingerprint/FingerprintArtifact.h); the signature is
// checked before the artifact is parsed, but the parsers must hold on any bytes. The normaliser reads
// every scanned text, and fingerprintText must give what normalising and sampling give; the
// normaliser's fast kernels what its reference loop gives.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/Sampling.h"
#include "fingerprint/SignedSet.h"
#include "fingerprint/TextNormalizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fp = mamori::fingerprint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  fp::ArtifactLimits limits;
  limits.maxBytes = 1 << 20;
  // As a whole signed file: the artifact is the part the header names.
  auto parts = fp::splitSignedSet(text);
  const auto storage = std::make_shared<const std::string>(text);
  const std::size_t length = parts ? parts.value().artifactBytes : storage->size();
  static const auto key = fp::FingerprintKey::fromText(std::string(42, 'q') + "A").value();
  auto set = fp::parseFingerprintArtifact(storage, length, limits);
  if (set) {
    // What parsed must write back to the same bytes, and match without failing.
    MAMORI_ASSERT(fp::fingerprintArtifact(set.value()) == std::string_view(*storage).substr(0, length));
    (void)fp::matchDocuments(set.value(),
                             fp::sampleKgrams(fp::normalizeText(text.substr(length)), key, set.value().params), {});
  }
  // The one-pass fingerprints (normalised a piece at a time, cut where normalizationCut says) are
  // those of the two passes, for any bytes and pieces of any size.
  const auto normalized = fp::normalizeText(text);
  const auto expected = fp::sampleKgrams(normalized, key, {4, 4});
  std::size_t chars = 0;
  const auto got = fp::fingerprintTextInPieces(text, key, {4, 4}, 1 + size % 97, &chars);
  MAMORI_ASSERT(chars == normalized.size() && got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    MAMORI_ASSERT(got[i].position == expected[i].position && got[i].hash == expected[i].hash);
  // The text followed by '\n' (how the scanner ends a piece of a file of several) gives the same.
  std::size_t charsWithLineFeed = 0;
  const auto withLineFeed =
      fp::fingerprintTextInPieces(std::string(text) + "\n", key, {4, 4}, 1 + size % 97, &charsWithLineFeed);
  MAMORI_ASSERT(charsWithLineFeed == chars && withLineFeed.size() == got.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    MAMORI_ASSERT(withLineFeed[i].position == got[i].position && withLineFeed[i].hash == got[i].hash);
  // The normaliser's fast kernels give what its reference loop gives, for any bytes, whole and
  // appended after characters already there (docs/decisions/0063, addendum).
  std::u32string reference = U"x";
  fp::appendNormalizedTextReference(text, reference);
  MAMORI_ASSERT(reference.substr(1) == normalized);
  std::u32string fast = U"x";
  fp::appendNormalizedText(text, fast);
  MAMORI_ASSERT(fast == reference);
  // Into a CharBuffer (fingerprintText's: new room not zero-filled), after a character there.
  fp::CharBuffer buffer;
  buffer.resize(1);
  buffer.data()[0] = U'x';
  fp::appendNormalizedText(text, buffer);
  MAMORI_ASSERT(std::u32string_view(buffer.data(), buffer.size()) == reference);
  return 0;
}
