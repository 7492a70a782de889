#include "fingerprint/Sampling.h"

#include <algorithm>
#include <bit>

#include "common/CpuFeatures.h"
#include "fingerprint/TextNormalizer.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "fingerprint/Avx512.h"
#endif

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

using EncodeGram = std::size_t (*)(const char32_t*, std::size_t, char*);

#if defined(__x86_64__)
MAMORI_AVX512_BEGIN
// encodeGram for k = 16 in one vector (AVX-512 with VBMI; docs/decisions/0063, addendum 2): a k-gram
// all of ASCII is narrowed to its 16 bytes, one all of three-byte characters has each character's
// three bytes made in its lane and the 48 gathered to the front with one byte permute; any other
// k-gram is written by encodeGram. Writes up to 64 bytes at out (the slots have room).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t encodeGram16Avx512(const char32_t* chars,
                                                                                      std::size_t k, char* out) {
  if (k != 16) return encodeGram(chars, k, out);
  const __m512i c = _mm512_loadu_si512(chars);
  if (_mm512_cmpge_epu32_mask(c, _mm512_set1_epi32(0x80)) == 0) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(c));
    return 16;
  }
  if (_mm512_cmplt_epu32_mask(c, _mm512_set1_epi32(0x800)) != 0 ||
      _mm512_cmpge_epu32_mask(c, _mm512_set1_epi32(0x10000)) != 0)
    return encodeGram(chars, k, out);
  const __m512i low6 = _mm512_set1_epi32(0x3F);
  const __m512i lead = _mm512_or_si512(_mm512_srli_epi32(c, 12), _mm512_set1_epi32(0xE0));
  const __m512i middle = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(c, 6), low6), _mm512_set1_epi32(0x80));
  const __m512i last = _mm512_or_si512(_mm512_and_si512(c, low6), _mm512_set1_epi32(0x80));
  const __m512i lanes =
      _mm512_or_si512(_mm512_or_si512(lead, _mm512_slli_epi32(middle, 8)), _mm512_slli_epi32(last, 16));
  // Bytes 0, 1, 2 of each 4-byte lane in order, then anything.
  alignas(64) static constexpr unsigned char kThree[64] = {
      0,  1,  2,  4,  5,  6,  8,  9,  10, 12, 13, 14, 16, 17, 18, 20, 21, 22, 24, 25, 26, 28,
      29, 30, 32, 33, 34, 36, 37, 38, 40, 41, 42, 44, 45, 46, 48, 49, 50, 52, 53, 54, 56, 57,
      58, 60, 61, 62, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};
  _mm512_storeu_si512(out, _mm512_permutexvar_epi8(_mm512_load_si512(kThree), lanes));
  return 48;
}
MAMORI_AVX512_END

EncodeGram chosenEncodeGram() {
  static const EncodeGram chosen = common::cpuHas(common::CpuFeature::kAvx512f) &&
                                           common::cpuHas(common::CpuFeature::kAvx512bw) &&
                                           common::cpuHas(common::CpuFeature::kAvx512vbmi)
                                       ? encodeGram16Avx512
                                       : encodeGram;
  return chosen;
}
#else
EncodeGram chosenEncodeGram() { return encodeGram; }
#endif

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
  thread_local CharBuffer chars;
  // The buffer positions of a piece whose k-gram ending there is selected: written without a branch
  // (the entry moves on only when selected), so the rolling loop stays a few instructions a character.
  thread_local std::vector<std::uint32_t> picks;
  chars.clear();
  std::size_t first = 0;   // the position of chars[0]
  std::size_t rolled = 0;  // characters rolled into g so far
  std::uint32_t g = 0;
  constexpr std::size_t kBatch = 256;
  // A slot holds a k-gram's UTF-8 (4 k bytes at most), 8 bytes hashMany may read past it, and the
  // 64 bytes the vector encoder writes.
  const std::size_t slot = std::max<std::size_t>((4 * k + 8 + 7) / 8 * 8, 64);
  const EncodeGram encode = chosenEncodeGram();
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
            encode(c + (start - first), k, reinterpret_cast<char*>(grams.data() + batch * slot)));  // NOLINT
        starts[batch++] = static_cast<std::uint32_t>(start);
      }
      key.documentHashMany(grams.data(), offsets.data(), lengths.data(), batch, hashes.data());
      for (std::size_t i = 0; i < batch; ++i) out.push_back({hashes[i], starts[i]});
    }
    const std::size_t keep = total >= k - 1 ? total - (k - 1) : 0;
    if (keep > first) {
      chars.eraseFront(keep - first);
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
