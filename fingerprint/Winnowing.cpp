#include "fingerprint/Winnowing.h"

#include <algorithm>

#include "fingerprint/TextNormalizer.h"

namespace mamori::fingerprint {

namespace {

std::uint64_t finalMix(std::uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// The selection hash: cheap (FNV-1a over the code points, then a bit mixer), seeded from the key so
// which positions are selected is not predictable without it. Only selected k-grams pay for an HMAC.
std::uint64_t selectionHash(const char32_t* gram, std::size_t k, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (std::size_t i = 0; i < k; ++i) {
    h ^= gram[i];
    h *= 0x100000001b3ULL;
  }
  return finalMix(h);
}

}  // namespace

std::vector<Fingerprint> winnow(const std::u32string& normalized, const FingerprintKey& key,
                                const WinnowParams& params) {
  std::vector<Fingerprint> out;
  const std::size_t k = params.k;
  if (k == 0 || normalized.size() < k) return out;
  const std::size_t grams = normalized.size() - k + 1;
  std::vector<std::uint64_t> hashes(grams);
  for (std::size_t i = 0; i < grams; ++i) hashes[i] = selectionHash(normalized.data() + i, k, key.seed());
  const std::size_t window = std::min(std::max<std::size_t>(params.window, 1), grams);
  std::size_t lastSelected = grams;  // none yet
  std::size_t minAt = 0;
  std::string gram;
  for (std::size_t end = window - 1; end < grams; ++end) {
    const std::size_t start = end + 1 - window;
    if (end == window - 1 || minAt < start) {
      // The previous minimum left the window: search the whole window again (rightmost minimum).
      minAt = start;
      for (std::size_t i = start; i <= end; ++i) {
        if (hashes[i] <= hashes[minAt]) minAt = i;
      }
    } else if (hashes[end] <= hashes[minAt]) {
      minAt = end;
    }
    if (minAt != lastSelected) {
      gram.clear();
      for (std::size_t i = 0; i < k; ++i) appendUtf8(gram, normalized[minAt + i]);
      out.push_back({key.hash64("doc", gram), static_cast<std::uint32_t>(minAt)});
      lastSelected = minAt;
    }
  }
  return out;
}

std::vector<std::uint64_t> distinctHashes(const std::vector<Fingerprint>& fingerprints) {
  std::vector<std::uint64_t> out;
  out.reserve(fingerprints.size());
  for (const auto& fingerprint : fingerprints) out.push_back(fingerprint.hash);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mamori::fingerprint
