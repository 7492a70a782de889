#include "fingerprint/Winnowing.h"

#include <algorithm>
#include <array>

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

// c as UTF-8 at out (room for 4 bytes); answers the bytes written. appendUtf8's encoding, without
// growing a string byte by byte for every selected k-gram.
std::size_t encodeUtf8(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

// Where the rightmost minimum of hashes[start..end] is: its value first, in four independent lanes
// (a search that compared each hash with the one at the best position so far waited on that load
// at every step), then its position, looking back from end.
std::size_t rightmostMinimum(const std::uint64_t* hashes, std::size_t start, std::size_t end) {
  std::array<std::uint64_t, 4> lanes{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
  std::size_t i = start;
  for (; i + 3 <= end; i += 4)
    for (std::size_t lane = 0; lane < 4; ++lane) lanes[lane] = std::min(lanes[lane], hashes[i + lane]);
  for (; i <= end; ++i) lanes[0] = std::min(lanes[0], hashes[i]);
  const std::uint64_t least = std::min(std::min(lanes[0], lanes[1]), std::min(lanes[2], lanes[3]));
  std::size_t at = end;
  while (hashes[at] != least) --at;
  return at;
}

}  // namespace

std::vector<Fingerprint> winnow(const std::u32string& normalized, const FingerprintKey& key,
                                const WinnowParams& params) {
  std::vector<Fingerprint> out;
  const std::size_t k = params.k;
  if (k == 0 || normalized.size() < k) return out;
  const std::size_t grams = normalized.size() - k + 1;
  // The selection hash: a polynomial rolling hash over the code points (modulo 2^64, the key's odd
  // base), then a bit mixer with the key's seed: two multiplications a position whatever k is, and
  // which positions are selected is not predictable without the key. Only selected k-grams pay for
  // the stored keyed hash (SipHash-2-4).
  // The selection hashes of a file's text: in a buffer kept per thread (every file is winnowed)
  // unless the text is large enough that keeping it would hold the memory.
  constexpr std::size_t kKeptGrams = std::size_t{1} << 17U;
  thread_local std::vector<std::uint64_t> kept;
  std::vector<std::uint64_t> large;
  std::uint64_t* hashes = nullptr;
  if (grams <= kKeptGrams) {
    if (kept.size() < grams) kept.resize(kKeptGrams);
    hashes = kept.data();
  } else {
    large.resize(grams);
    hashes = large.data();
  }
  const std::uint64_t base = key.rollingBase(), seed = key.seed();
  std::uint64_t leading = 1;  // base^(k-1): the weight of the code point that leaves the k-gram
  for (std::size_t i = 1; i < k; ++i) leading *= base;
  std::uint64_t rolling = 0;
  for (std::size_t i = 0; i < k; ++i) rolling = rolling * base + normalized[i];
  hashes[0] = finalMix(rolling ^ seed);
  for (std::size_t i = 1; i < grams; ++i) {
    rolling = (rolling - normalized[i - 1] * leading) * base + normalized[i + k - 1];
    hashes[i] = finalMix(rolling ^ seed);
  }
  const std::size_t window = std::min(std::max<std::size_t>(params.window, 1), grams);
  std::size_t lastSelected = grams;  // none yet
  std::size_t minAt = 0;
  std::uint64_t least = 0;        // hashes[minAt], kept out of memory
  std::string gram(4 * k, '\0');  // the selected k-gram as UTF-8 (at most 4 bytes a character)
  for (std::size_t end = window - 1; end < grams; ++end) {
    const std::size_t start = end + 1 - window;
    if (end == window - 1 || minAt < start) {
      // The previous minimum left the window: search the whole window again (rightmost minimum).
      minAt = rightmostMinimum(hashes, start, end);
      least = hashes[minAt];
    } else if (hashes[end] <= least) {
      minAt = end;
      least = hashes[end];
    }
    if (minAt != lastSelected) {
      std::size_t bytes = 0;
      for (std::size_t i = 0; i < k; ++i) bytes += encodeUtf8(normalized[minAt + i], gram.data() + bytes);
      out.push_back({key.documentHash(std::string_view(gram.data(), bytes)), static_cast<std::uint32_t>(minAt)});
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
