#include "fingerprint/Sampling.h"

#include <algorithm>
#include <bit>

#include "fingerprint/TextNormalizer.h"

namespace mamori::fingerprint {

namespace {

// The selection bits of a k-gram's gear value: the top log2(every) of its low k bits.
std::uint32_t selectionMask(const SamplingParams& params) {
  const auto bits = static_cast<unsigned>(std::countr_zero(params.every));
  const std::uint64_t low = (std::uint64_t{1} << bits) - 1;
  return static_cast<std::uint32_t>(low << (params.k - bits));
}

// c as UTF-8 at out (room for 4 bytes); answers the bytes written.
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

// The k-gram chars[0, k) as UTF-8 at out (room for 4 k bytes); answers the bytes written. A k-gram
// all of ASCII or all of three-byte characters (kana, kanji: most of them) is written without a
// branch a character.
std::size_t encodeGram(const char32_t* chars, std::size_t k, char* out) {
  // Which it is, by ORs only: bit 31 of c - 0x800 is set exactly when c < 0x800 (code points are
  // below 2^21).
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

// How much of a text is normalised at a time by fingerprintText: its characters stay in the first
// cache levels, and a huge text needs no copy of its size.
constexpr std::size_t kPieceBytes = 8U << 10U;

}  // namespace

bool validSamplingParams(const SamplingParams& params) {
  return params.k >= 1 && params.k <= 32 && std::has_single_bit(params.every) && params.every <= 1024 &&
         static_cast<std::size_t>(std::countr_zero(params.every)) <= params.k;
}

bool selectedKgram(const char32_t* chars, const FingerprintKey& key, const SamplingParams& params) {
  const std::uint32_t* gear = key.gearTable();
  std::uint64_t sum = 0;
  for (std::size_t j = 0; j < params.k; ++j) sum += std::uint64_t{gear[gearSlot(chars[j])]} << (params.k - 1 - j);
  return (static_cast<std::uint32_t>(sum) & selectionMask(params)) == 0;
}

std::vector<Fingerprint> sampleKgrams(const std::u32string& normalized, const FingerprintKey& key,
                                      const SamplingParams& params) {
  std::vector<Fingerprint> out;
  MAMORI_ASSERT(validSamplingParams(params));
  const std::size_t k = params.k;
  if (normalized.size() < k) return out;
  std::string gram(4 * k, '\0');
  for (std::size_t at = 0; at + k <= normalized.size(); ++at) {
    if (!selectedKgram(normalized.data() + at, key, params)) continue;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < k; ++i) bytes += encodeUtf8(normalized[at + i], gram.data() + bytes);
    out.push_back({key.documentHash(std::string_view(gram.data(), bytes)), static_cast<std::uint32_t>(at)});
  }
  return out;
}

std::vector<Fingerprint> fingerprintText(std::string_view utf8, const FingerprintKey& key, const SamplingParams& params,
                                         std::size_t* normalizedChars) {
  return fingerprintTextInPieces(utf8, key, params, kPieceBytes, normalizedChars);
}

std::vector<Fingerprint> fingerprintTextInPieces(std::string_view utf8, const FingerprintKey& key,
                                                 const SamplingParams& params, std::size_t pieceBytes,
                                                 std::size_t* normalizedChars) {
  MAMORI_ASSERT(validSamplingParams(params));
  std::vector<Fingerprint> out;
  const std::size_t k = params.k;
  const std::uint32_t mask = selectionMask(params);
  const std::uint32_t* gear = key.gearTable();
  // chars[j] is the normalised character at position first + j; after each piece only the last
  // k - 1 characters (the start of a k-gram a later piece ends) are moved to the front.
  thread_local std::u32string chars;
  // The buffer positions of a piece whose k-gram ending there is selected: written without a branch
  // (the entry moves on only when selected), so the rolling loop stays a few instructions a character.
  thread_local std::vector<std::uint32_t> picks;
  chars.clear();
  std::size_t first = 0;   // the position of chars[0]
  std::size_t rolled = 0;  // characters rolled into g so far
  std::uint32_t g = 0;
  constexpr std::size_t kBatch = 256;
  const std::size_t slot = (4 * k + 8 + 7) / 8 * 8;
  thread_local std::vector<unsigned char> grams;
  thread_local std::vector<std::uint32_t> offsets, lengths, starts;
  thread_local std::vector<std::uint64_t> hashes;
  if (grams.size() < kBatch * slot) grams.resize(kBatch * slot);
  offsets.resize(kBatch);
  lengths.resize(kBatch);
  starts.resize(kBatch);
  hashes.resize(kBatch);
  for (std::size_t from = 0; from < utf8.size();) {
    const std::size_t cut = normalizationCut(utf8, std::min(from + std::max<std::size_t>(pieceBytes, 1), utf8.size()));
    appendNormalizedText(utf8.substr(from, cut - from), chars);
    from = cut;
    const std::size_t total = first + chars.size();
    if (picks.size() < chars.size() + 1) picks.resize(chars.size() + 1);
    const char32_t* c = chars.data();
    std::uint32_t* pick = picks.data();
    std::size_t picked = 0;
    for (std::size_t i = rolled - first; i < chars.size(); ++i) {
      g = (g << 1U) + gear[gearSlot(c[i])];
      pick[picked] = static_cast<std::uint32_t>(i);
      picked += (g & mask) == 0 ? 1 : 0;
    }
    rolled = total;
    // The selected k-grams as UTF-8, one slot each (8 bytes to spare), hashed a batch at a time
    // (SipKey::hashMany: eight of one length together where the processor allows).
    for (std::size_t p = 0; p < picked;) {
      std::size_t batch = 0;
      for (; p < picked && batch < kBatch; ++p) {
        const std::size_t end = first + pick[p];  // the k-gram's last character
        if (end + 1 < k) continue;                // fewer than k characters so far
        const std::size_t start = end + 1 - k;
        offsets[batch] = static_cast<std::uint32_t>(batch * slot);
        lengths[batch] = static_cast<std::uint32_t>(
            encodeGram(c + (start - first), k, reinterpret_cast<char*>(grams.data() + batch * slot)));  // NOLINT
        starts[batch++] = static_cast<std::uint32_t>(start);
      }
      key.documentHashMany(grams.data(), offsets.data(), lengths.data(), batch, hashes.data());
      for (std::size_t i = 0; i < batch; ++i) out.push_back({hashes[i], starts[i]});
    }
    const std::size_t keep = total >= k - 1 ? total - (k - 1) : 0;
    if (keep > first) {
      chars.erase(0, keep - first);
      first = keep;
    }
  }
  if (normalizedChars != nullptr) *normalizedChars = first + chars.size();
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
