// A fingerprint set reaches the agent from the collector and from its state directory as a signed
// set file (fingerprint/SignedSet.h around fingerprint/FingerprintArtifact.h); the signature is
// checked before the artifact is parsed, but the parsers must hold on any bytes. The normaliser reads
// every scanned text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/FingerprintArtifact.h"
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
  auto set = fp::parseFingerprintArtifact(storage, length, limits);
  if (set) {
    // What parsed must write back to the same bytes, and match without failing.
    MAMORI_ASSERT(fp::fingerprintArtifact(set.value()) == std::string_view(*storage).substr(0, length));
    static const auto key = fp::FingerprintKey::fromText(std::string(42, 'q') + "A").value();
    (void)fp::matchDocuments(set.value(), fp::winnow(fp::normalizeText(text.substr(length)), key, set.value().params),
                             {});
  }
  (void)fp::normalizeText(text);
  return 0;
}
