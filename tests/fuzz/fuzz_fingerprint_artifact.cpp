// A fingerprint set reaches the agent from the collector (inside a signed envelope) and from a
// state file (fingerprint/FingerprintArtifact.h); the normaliser reads every scanned text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/TextNormalizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fp = mamori::fingerprint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  fp::ArtifactLimits limits;
  limits.maxBytes = 1 << 20;
  auto set = fp::parseFingerprintArtifact(text, limits);
  if (set) {
    // What parsed must write and parse back to the same index.
    auto again = fp::parseFingerprintArtifact(fp::fingerprintArtifactJson(set.value()), limits);
    MAMORI_ASSERT(again && again.value().hashes == set.value().hashes && again.value().docs == set.value().docs);
  }
  (void)fp::normalizeText(text);
  return 0;
}
