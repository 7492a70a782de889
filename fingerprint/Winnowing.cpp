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
// at every step), then its position, the last one holding that value, by conditional moves in two
// lanes (a loop looking back from end until it met the value mispredicted its exit every time).
std::size_t rightmostMinimum(const std::uint64_t* hashes, std::size_t start, std::size_t end) {
  // Four variables, not an array: an array indexed in a loop was kept in memory.
  std::uint64_t lane0 = UINT64_MAX, lane1 = UINT64_MAX, lane2 = UINT64_MAX, lane3 = UINT64_MAX;
  std::size_t i = start;
  for (; i + 3 <= end; i += 4) {
    lane0 = std::min(lane0, hashes[i]);
    lane1 = std::min(lane1, hashes[i + 1]);
    lane2 = std::min(lane2, hashes[i + 2]);
    lane3 = std::min(lane3, hashes[i + 3]);
  }
  for (; i <= end; ++i) lane0 = std::min(lane0, hashes[i]);
  const std::uint64_t least = std::min(std::min(lane0, lane1), std::min(lane2, lane3));
  std::size_t even = start, odd = start;
  for (i = start; i + 1 <= end; i += 2) {
    even = hashes[i] == least ? i : even;
    odd = hashes[i + 1] == least ? i + 1 : odd;
  }
  if (i == end) even = hashes[i] == least ? i : even;
  return std::max(even, odd);
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

namespace {

// How much of a text is normalised at a time by fingerprintText: its characters and their selection
// hashes then stay in the first cache levels, and a huge text needs no copy of its size.
constexpr std::size_t kPieceBytes = 8U << 10U;

// The k-gram chars[0, k) as UTF-8 at out (room for 4 k bytes); answers the bytes written. A k-gram
// all of ASCII or all of three-byte characters (kana, kanji: most of them) is written without a
// branch a character.
std::size_t encodeGram(const char32_t* chars, std::size_t k, char* out) {
  // Which it is, by ORs only (a running minimum waited on each comparison): bit 31 of c - 0x800 is set
  // exactly when c < 0x800 (code points are below 2^21).
  char32_t any = 0, below = 0;
  for (std::size_t i = 0; i < k; ++i) {
    any |= chars[i];
    below |= chars[i] - 0x800;
  }
  if (any < 0x80) {
    for (std::size_t i = 0; i < k; ++i) out[i] = static_cast<char>(chars[i]);
    return k;
  }
  if ((below & 0x80000000U) == 0 && any < 0x10000) {
    for (std::size_t i = 0; i < k; ++i) {
      const char32_t c = chars[i];
      out[3 * i] = static_cast<char>(0xE0 | (c >> 12));
      out[3 * i + 1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out[3 * i + 2] = static_cast<char>(0x80 | (c & 0x3F));
    }
    return 3 * k;
  }
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < k; ++i) bytes += encodeUtf8(chars[i], out + bytes);
  return bytes;
}

}  // namespace

std::vector<Fingerprint> fingerprintText(std::string_view utf8, const FingerprintKey& key, const WinnowParams& params,
                                         std::size_t* normalizedChars) {
  return fingerprintTextInPieces(utf8, key, params, kPieceBytes, normalizedChars);
}

std::vector<Fingerprint> fingerprintTextInPieces(std::string_view utf8, const FingerprintKey& key,
                                                 const WinnowParams& params, std::size_t pieceBytes,
                                                 std::size_t* normalizedChars) {
  std::vector<Fingerprint> out;
  const std::size_t k = params.k;
  const std::size_t window = std::max<std::size_t>(params.window, 1);
  const std::uint64_t base = key.rollingBase(), seed = key.seed();
  std::uint64_t leadingBase = base;  // base^k: the weight, one step later, of the code point that leaves
  for (std::size_t i = 1; i < k; ++i) leadingBase *= base;
  // chars[j] is the normalised character at position first + j, hashes[j] the selection hash of the
  // k-gram that starts there (once rolled); kept per thread, with the few characters and hashes a
  // later piece still needs moved to the front after each piece.
  thread_local std::u32string chars;
  thread_local std::vector<std::uint64_t> hashes;
  chars.clear();
  std::size_t first = 0;
  std::size_t rolled = 0;            // k-grams starting before this have their hash
  std::uint64_t rolling = 0;         // the polynomial hash of the k-gram at rolled - 1
  std::size_t nextEnd = window - 1;  // the last k-gram of the next window to select from
  constexpr std::size_t kNone = SIZE_MAX;
  std::size_t minAt = kNone, lastSelected = kNone;
  std::uint64_t least = 0;  // hashes of minAt
  std::string gram(4 * std::max<std::size_t>(k, 1), '\0');
  const auto select = [&](std::size_t at) {
    const std::size_t bytes = encodeGram(chars.data() + (at - first), k, gram.data());
    out.push_back({key.documentHash(std::string_view(gram.data(), bytes)), static_cast<std::uint32_t>(at)});
  };
  // The positions a piece's windows select, in order, one entry per window (a window whose selection
  // is the previous one's overwrites it): the window loop writes without a branch and keeps its state
  // in registers, and the k-grams are encoded and hashed after it.
  thread_local std::vector<std::size_t> picks;
  for (std::size_t from = 0; from < utf8.size();) {
    const std::size_t cut = normalizationCut(utf8, std::min(from + std::max<std::size_t>(pieceBytes, 1), utf8.size()));
    appendNormalizedText(utf8.substr(from, cut - from), chars);
    from = cut;
    const std::size_t total = first + chars.size();
    if (k == 0 || total < k) continue;
    const std::size_t grams = total - k + 1;  // k-grams so far: starting at [0, grams)
    if (hashes.size() < chars.size()) hashes.resize(chars.size());
    // Positions in the buffers are taken less first.
    const char32_t* c = chars.data();
    std::uint64_t* h = hashes.data();
    std::size_t at = rolled - first;
    if (rolled == 0) {
      for (std::size_t i = 0; i < k; ++i) rolling = rolling * base + c[i];
      h[0] = finalMix(rolling ^ seed);
      at = 1;
    }
    // The rolling step as winnow() takes it, (rolling - out * base^(k-1)) * base + in, with the
    // part that does not wait on the previous step taken apart: one multiplication and one
    // addition on the chain instead of a subtraction, a multiplication and an addition.
    for (const std::size_t to = grams - first; at < to; ++at) {
      rolling = rolling * base + (c[at + k - 1] - c[at - 1] * leadingBase);
      h[at] = finalMix(rolling ^ seed);
    }
    rolled = grams;
    // Each window of `window` k-grams ending before grams: its rightmost minimum, as winnow().
    if (nextEnd < grams) {
      if (picks.size() < grams - nextEnd + 1) picks.resize(grams - nextEnd + 1);
      std::size_t* pick = picks.data();
      std::size_t picked = 0, current = minAt, previous = lastSelected;
      std::uint64_t currentHash = least;
      for (std::size_t end = nextEnd; end < grams; ++end) {
        const std::size_t start = end + 1 - window;
        if (current == kNone || current < start) {
          current = first + rightmostMinimum(h, start - first, end - first);
          currentHash = h[current - first];
        } else if (h[end - first] <= currentHash) {
          current = end;
          currentHash = h[end - first];
        }
        pick[picked] = current;
        picked += current != previous ? 1 : 0;
        previous = current;
      }
      minAt = current;
      least = currentHash;
      lastSelected = previous;
      for (std::size_t i = 0; i < picked; ++i) select(pick[i]);
    }
    nextEnd = std::max(nextEnd, grams);
    // What a later piece needs: the hashes of the next window (from its start) and the characters
    // of its k-grams, and the character the next rolling step takes out.
    const std::size_t keep = std::min(nextEnd + 1 - window, grams - 1);
    if (keep > first) {
      const std::size_t drop = keep - first;
      chars.erase(0, drop);
      std::copy(hashes.begin() + static_cast<std::ptrdiff_t>(drop),
                hashes.begin() + static_cast<std::ptrdiff_t>(drop + chars.size()), hashes.begin());
      first = keep;
    }
  }
  const std::size_t total = first + chars.size();
  if (normalizedChars != nullptr) *normalizedChars = total;
  // Fewer k-grams than a window: the text is one window (as winnow() takes it).
  if (k != 0 && total >= k && total - k + 1 < window) {
    const std::size_t grams = total - k + 1;
    select(first + rightmostMinimum(hashes.data(), 0, grams - 1 - first));
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
