#include "common/Utf8Check.h"

#include <cstdint>
#include <cstring>

#include "common/CpuFeatures.h"
#include "common/Utf8.h"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

// isValidUtf8: the content scanner sniffs the first 64 KiB of every file and every extracted text
// with it, and on Japanese text (three-byte sequences between ASCII words) a byte-wise check
// branches at every change of script: it was a quarter of the scanner's CPU on the benchmark's tree
// (perf, issue 17). Blocks are checked without a branch per byte: by table lookups (32 bytes a step
// with AVX2, 16 with SSSE3, chosen at run time; docs/decisions/0065), else by SSE2 compares (in
// every x86-64 CPU); short texts and other CPUs take the byte-wise path. All give decodeUtf8's
// verdicts (tests/common/Utf8Test.cpp compares every path over every placement of up to four
// interesting bytes across block edges; the fuzz target fuzz_scan_decode over anything).

namespace mamori::common {

namespace {

bool validBytewise(std::string_view text) {
  // ASCII eight bytes at a time, other sequences checked against the table of well-formed UTF-8
  // (Unicode 3-7) without building the code point.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT: byte view
  const std::size_t size = text.size();
  std::size_t at = 0;
  auto continuation = [&](std::size_t i) { return (p[i] & 0xC0U) == 0x80U; };
  while (at < size) {
    const unsigned char c = p[at];
    if (c < 0x80) {
      // After an ASCII byte, more ASCII is likely: skip whole words of it.
      ++at;
      while (at + 8 <= size) {
        std::uint64_t word = 0;
        std::memcpy(&word, p + at, sizeof word);
        if ((word & 0x8080808080808080ULL) != 0) break;
        at += 8;
      }
    } else if (c < 0xC2 || c >= 0xF5) {
      return false;  // a continuation byte, an overlong two-byte lead, or a lead above U+10FFFF
    } else if (c < 0xE0) {
      if (at + 1 >= size || !continuation(at + 1)) return false;
      at += 2;
    } else if (c < 0xF0) {
      if (at + 2 >= size) return false;
      const unsigned char second = p[at + 1];
      const unsigned char low = c == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F: overlong
      const unsigned char high = c == 0xED ? 0x9F : 0xBF;  // ED A0..BF: surrogates
      if (second < low || second > high || !continuation(at + 2)) return false;
      at += 3;
    } else {
      if (at + 3 >= size) return false;
      const unsigned char second = p[at + 1];
      const unsigned char low = c == 0xF0 ? 0x90 : 0x80;   // F0 80..8F: overlong
      const unsigned char high = c == 0xF4 ? 0x8F : 0xBF;  // F4 90..: above U+10FFFF
      if (second < low || second > high || !continuation(at + 2) || !continuation(at + 3)) return false;
      at += 4;
    }
  }
  return true;
}

#if defined(__SSE2__)

// Byte masks (0xFF where true) over 16 bytes. SSE2 compares bytes as signed numbers only; a
// saturating subtraction gives the unsigned test: c - x is 0 exactly when x >= c.
__m128i atLeast(__m128i x, unsigned char c) {
  return _mm_cmpeq_epi8(_mm_subs_epu8(_mm_set1_epi8(static_cast<char>(c)), x), _mm_setzero_si128());
}
__m128i equal(__m128i x, unsigned char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(c))); }

// The bytes of `block` moved n places later, the first n taken from the end of `previous`: byte i
// of the result is the byte n places before byte i of the block in the text.
template <int N>
__m128i before(__m128i block, __m128i previous) {
  return _mm_or_si128(_mm_slli_si128(block, N), _mm_srli_si128(previous, 16 - N));
}

// What is wrong in one block, given the 16 bytes before it (zeros at the start of the text).
__m128i blockErrors(__m128i block, __m128i previous) {
  const __m128i prev1 = before<1>(block, previous);
  const __m128i prev2 = before<2>(block, previous);
  const __m128i prev3 = before<3>(block, previous);
  // A continuation byte (80-BF) is -128..-65 as a signed byte: below C0's -64.
  const __m128i continuation = _mm_cmplt_epi8(block, _mm_set1_epi8(static_cast<char>(0xC0)));
  // Where a continuation byte must be: after any lead (C0 and up), two after a three- or four-byte
  // lead (E0 and up), three after a four-byte lead (F0 and up). Exactly there and nowhere else.
  const __m128i wanted = _mm_or_si128(_mm_or_si128(atLeast(prev1, 0xC0), atLeast(prev2, 0xE0)), atLeast(prev3, 0xF0));
  __m128i errors = _mm_xor_si128(wanted, continuation);
  // Bytes that never occur: C0 and C1 (overlong two-byte leads), F5 and up (beyond U+10FFFF).
  errors = _mm_or_si128(errors, _mm_andnot_si128(atLeast(block, 0xC2), atLeast(block, 0xC0)));
  errors = _mm_or_si128(errors, atLeast(block, 0xF5));
  // Second bytes narrower than 80-BF: E0 A0-BF (else overlong), ED 80-9F (else a surrogate),
  // F0 90-BF (else overlong), F4 80-8F (else beyond U+10FFFF).
  const __m128i a0 = atLeast(block, 0xA0);
  const __m128i x90 = atLeast(block, 0x90);
  errors = _mm_or_si128(errors, _mm_andnot_si128(a0, equal(prev1, 0xE0)));
  errors = _mm_or_si128(errors, _mm_and_si128(a0, equal(prev1, 0xED)));
  errors = _mm_or_si128(errors, _mm_andnot_si128(x90, equal(prev1, 0xF0)));
  errors = _mm_or_si128(errors, _mm_and_si128(x90, equal(prev1, 0xF4)));
  return errors;
}

bool validInBlocks(std::string_view text) {
  const auto* p = text.data();
  const std::size_t whole = text.size() / 16 * 16;
  __m128i previous = _mm_setzero_si128();
  bool pending = false;
  for (std::size_t at = 0; at < whole; at += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));  // NOLINT: unaligned load
    if (!pending && _mm_movemask_epi8(block) == 0) {
      previous = block;  // ASCII, nothing carried in: nothing to check
      continue;
    }
    if (_mm_movemask_epi8(blockErrors(block, previous)) != 0) return false;
    // A lead in the last three bytes wants continuation bytes in the next block: that one is checked
    // even if it is ASCII.
    const auto* end = reinterpret_cast<const unsigned char*>(p + at + 16);  // NOLINT: byte view
    pending = end[-1] >= 0xC0 || end[-2] >= 0xE0 || end[-3] >= 0xF0;
    previous = block;
  }
  // The rest, then an end that wants nothing: zeros after the text (a zero is not a continuation
  // byte, so a sequence cut by the end is an error there).
  alignas(16) char tail[16] = {};
  std::memcpy(tail, p + whole, text.size() - whole);
  const __m128i last = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));  // NOLINT: aligned load
  if (_mm_movemask_epi8(blockErrors(last, previous)) != 0) return false;
  return _mm_movemask_epi8(blockErrors(_mm_setzero_si128(), last)) == 0;
}

// The lookup algorithm of Keiser and Lemire ("Validating UTF-8 in less than one instruction per
// byte", 2021; simdjson's and simdutf's): three 16-entry tables indexed by the high nibble of the
// byte before, its low nibble and the high nibble of the byte itself (pshufb, SSSE3) flag every
// wrong pair of bytes; a third or fourth byte that must be a continuation is found by the bytes two
// and three places before. About 10 vector instructions a block, against blockErrors' 25: on
// Japanese text (no block is ASCII) it is what the scanner pays for every extracted text and every
// text file (docs/decisions/0065). Each bit of the tables is one kind of error.
// clang-format off
constexpr unsigned char kTooShort = 1U << 0U;   // a lead or ASCII, then a lead or ASCII where a continuation belongs
constexpr unsigned char kTooLong = 1U << 1U;    // ASCII, then a continuation
constexpr unsigned char kOverlong3 = 1U << 2U;  // E0 80..9F
constexpr unsigned char kTooLarge = 1U << 3U;   // F4 90.., F5 and up
constexpr unsigned char kSurrogate = 1U << 4U;  // ED A0..BF
constexpr unsigned char kOverlong2 = 1U << 5U;  // C0, C1
constexpr unsigned char kTooLarge1000 = 1U << 6U;  // F5 and up, then 80..8F
constexpr unsigned char kOverlong4 = 1U << 6U;     // F0 80..8F
constexpr unsigned char kTwoConts = 1U << 7U;      // a continuation after a continuation (unless wanted)
constexpr unsigned char kCarry = kTooShort | kTooLong | kTwoConts;

alignas(16) constexpr unsigned char kByte1High[16] = {  // by the high nibble of the byte before
    kTooLong,  kTooLong,  kTooLong,  kTooLong,  kTooLong,  kTooLong,  kTooLong,  kTooLong,  // 0_______: ASCII
    kTwoConts, kTwoConts, kTwoConts, kTwoConts,                                            // 10______: continuation
    kTooShort | kOverlong2,                                                                // 1100____: C0-CF
    kTooShort,                                                                             // 1101____: D0-DF
    kTooShort | kOverlong3 | kSurrogate,                                                   // 1110____: E0-EF
    kTooShort | kTooLarge | kTooLarge1000 | kOverlong4};                                   // 1111____: F0-FF
alignas(16) constexpr unsigned char kByte1Low[16] = {  // by the low nibble of the byte before
    kCarry | kOverlong3 | kOverlong2 | kOverlong4,       // ____0000: C0, E0, F0
    kCarry | kOverlong2,                                 // ____0001: C1
    kCarry,                                              // ____0010
    kCarry,                                              // ____0011
    kCarry | kTooLarge,                                  // ____0100: F4
    kCarry | kTooLarge | kTooLarge1000,                  // ____0101: F5
    kCarry | kTooLarge | kTooLarge1000,                  // ____0110
    kCarry | kTooLarge | kTooLarge1000,                  // ____0111
    kCarry | kTooLarge | kTooLarge1000,                  // ____1000
    kCarry | kTooLarge | kTooLarge1000,                  // ____1001
    kCarry | kTooLarge | kTooLarge1000,                  // ____1010
    kCarry | kTooLarge | kTooLarge1000,                  // ____1011
    kCarry | kTooLarge | kTooLarge1000,                  // ____1100
    kCarry | kTooLarge | kTooLarge1000 | kSurrogate,     // ____1101: ED
    kCarry | kTooLarge | kTooLarge1000,                  // ____1110
    kCarry | kTooLarge | kTooLarge1000};                 // ____1111
alignas(16) constexpr unsigned char kByte2High[16] = {  // by the high nibble of the byte itself
    kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,  // ASCII
    kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,            // 1000____
    kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,                             // 1001____
    kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,                             // 1010____
    kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,                             // 1011____
    kTooShort, kTooShort, kTooShort, kTooShort};                                            // 11______: a lead
// The last three bytes of a block at or above F0 / E0 / C0 want a continuation in the next one: a
// saturating subtraction of these leaves a byte that is not zero there, and zero everywhere else.
alignas(32) constexpr unsigned char kWantsMore[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF};
// clang-format on

#define MAMORI_SSSE3 __attribute__((target("ssse3"), always_inline)) inline
#define MAMORI_AVX2 __attribute__((target("avx2"), always_inline)) inline

MAMORI_SSSE3 __m128i load16(const unsigned char* bytes) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(bytes));  // NOLINT: aligned table
}

// The errors of one block given the 16 bytes before it (its prev1..prev3), SSSE3. (Helpers rather
// than lambdas: a lambda does not take its function's target.)
MAMORI_SSSE3 __m128i lookupErrors16(__m128i block, __m128i previous) {
  const __m128i nibble = _mm_set1_epi8(0x0F);
  const __m128i prev1 = _mm_alignr_epi8(block, previous, 15);
  const __m128i prev2 = _mm_alignr_epi8(block, previous, 14);
  const __m128i prev3 = _mm_alignr_epi8(block, previous, 13);
  const __m128i special =
      _mm_and_si128(_mm_and_si128(_mm_shuffle_epi8(load16(kByte1High), _mm_and_si128(_mm_srli_epi16(prev1, 4), nibble)),
                                  _mm_shuffle_epi8(load16(kByte1Low), _mm_and_si128(prev1, nibble))),
                    _mm_shuffle_epi8(load16(kByte2High), _mm_and_si128(_mm_srli_epi16(block, 4), nibble)));
  // A third or fourth byte (two after E0 and up, three after F0 and up) must be a continuation:
  // only there does the saturating subtraction leave the high bit set.
  const __m128i must23 =
      _mm_and_si128(_mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8(static_cast<char>(0xE0 - 0x80))),
                                 _mm_subs_epu8(prev3, _mm_set1_epi8(static_cast<char>(0xF0 - 0x80)))),
                    _mm_set1_epi8(static_cast<char>(0x80)));
  return _mm_xor_si128(must23, special);
}

MAMORI_SSSE3 bool anySet16(__m128i errors) {
  return _mm_movemask_epi8(_mm_cmpeq_epi8(errors, _mm_setzero_si128())) != 0xFFFF;
}

// 16 bytes a block, SSSE3 (every x86-64 CPU since 2006 but the first).
__attribute__((target("ssse3"))) bool validLookup16(std::string_view text) {
  const __m128i wantsMore = load16(kWantsMore + 16);
  __m128i previous = _mm_setzero_si128();
  __m128i errors = _mm_setzero_si128();
  const char* p = text.data();
  const std::size_t whole = text.size() / 16 * 16;
  for (std::size_t at = 0; at < whole; at += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));  // NOLINT: unaligned load
    // ASCII: nothing to check in it, but a lead in the last three bytes of the block before wanted a
    // continuation here.
    errors = _mm_or_si128(
        errors, _mm_movemask_epi8(block) == 0 ? _mm_subs_epu8(previous, wantsMore) : lookupErrors16(block, previous));
    if (anySet16(errors)) return false;
    previous = block;
  }
  // The rest, then an end that wants nothing: zeros after the text (a sequence cut by the end wants a
  // continuation there).
  alignas(16) char tail[16] = {};
  std::memcpy(tail, p + whole, text.size() - whole);
  const __m128i last = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));  // NOLINT: aligned load
  errors = _mm_or_si128(errors, lookupErrors16(last, previous));
  errors = _mm_or_si128(errors, lookupErrors16(_mm_setzero_si128(), last));
  return !anySet16(errors);
}

MAMORI_AVX2 __m256i lanes(const unsigned char* bytes) {
  return _mm256_broadcastsi128_si256(load16(bytes));  // the same table in both 128-bit lanes
}

MAMORI_AVX2 __m256i lookupErrors32(__m256i block, __m256i previous) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  // The bytes of the block moved N places later, the first N from the end of the block before.
  const __m256i shifted = _mm256_permute2x128_si256(previous, block, 0x21);  // previous' high lane, block's low
  const __m256i prev1 = _mm256_alignr_epi8(block, shifted, 15);
  const __m256i prev2 = _mm256_alignr_epi8(block, shifted, 14);
  const __m256i prev3 = _mm256_alignr_epi8(block, shifted, 13);
  const __m256i special = _mm256_and_si256(
      _mm256_and_si256(_mm256_shuffle_epi8(lanes(kByte1High), _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble)),
                       _mm256_shuffle_epi8(lanes(kByte1Low), _mm256_and_si256(prev1, nibble))),
      _mm256_shuffle_epi8(lanes(kByte2High), _mm256_and_si256(_mm256_srli_epi16(block, 4), nibble)));
  const __m256i must23 =
      _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(prev2, _mm256_set1_epi8(static_cast<char>(0xE0 - 0x80))),
                                       _mm256_subs_epu8(prev3, _mm256_set1_epi8(static_cast<char>(0xF0 - 0x80)))),
                       _mm256_set1_epi8(static_cast<char>(0x80)));
  return _mm256_xor_si256(must23, special);
}

// The same 32 bytes a block, AVX2.
__attribute__((target("avx2"))) bool validLookup32(std::string_view text) {
  const __m256i wantsMore = _mm256_load_si256(reinterpret_cast<const __m256i*>(kWantsMore));  // NOLINT: aligned
  __m256i previous = _mm256_setzero_si256();
  __m256i errors = _mm256_setzero_si256();
  const char* p = text.data();
  const std::size_t whole = text.size() / 32 * 32;
  for (std::size_t at = 0; at < whole; at += 32) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + at));  // NOLINT: unaligned load
    errors = _mm256_or_si256(errors, _mm256_movemask_epi8(block) == 0 ? _mm256_subs_epu8(previous, wantsMore)
                                                                      : lookupErrors32(block, previous));
    if (_mm256_testz_si256(errors, errors) == 0) return false;
    previous = block;
  }
  alignas(32) char tail[32] = {};
  std::memcpy(tail, p + whole, text.size() - whole);
  const __m256i last = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));  // NOLINT: aligned load
  errors = _mm256_or_si256(errors, lookupErrors32(last, previous));
  errors = _mm256_or_si256(errors, lookupErrors32(_mm256_setzero_si256(), last));
  return _mm256_testz_si256(errors, errors) != 0;
}

#undef MAMORI_SSSE3
#undef MAMORI_AVX2

#endif

bool validOn(Utf8Path path, std::string_view text) {
  switch (path) {
#if defined(__SSE2__)
    case Utf8Path::kSse2: return text.size() >= 32 ? validInBlocks(text) : validBytewise(text);
    case Utf8Path::kSsse3: return text.size() >= 32 ? validLookup16(text) : validBytewise(text);
    case Utf8Path::kAvx2: return text.size() >= 32 ? validLookup32(text) : validBytewise(text);
#else
    case Utf8Path::kSse2:
    case Utf8Path::kSsse3:
    case Utf8Path::kAvx2:
#endif
    case Utf8Path::kBytewise: break;
  }
  return validBytewise(text);
}

// The fastest path this CPU has, chosen once. (Zero, the byte-wise path, until then: a check from
// another static initializer before this one is still right.)
Utf8Path bestPath() noexcept {
#if defined(__SSE2__)
  if (cpuHas(CpuFeature::kAvx2)) return Utf8Path::kAvx2;
  if (cpuHas(CpuFeature::kSsse3)) return Utf8Path::kSsse3;
  return Utf8Path::kSse2;
#else
  return Utf8Path::kBytewise;
#endif
}

const Utf8Path kBestPath = bestPath();

}  // namespace

bool utf8PathAvailable(Utf8Path path) {
  switch (path) {
#if defined(__SSE2__)
    case Utf8Path::kBytewise:
    case Utf8Path::kSse2: return true;
    case Utf8Path::kSsse3: return cpuHas(CpuFeature::kSsse3);
    case Utf8Path::kAvx2: return cpuHas(CpuFeature::kAvx2);
#else
    case Utf8Path::kBytewise: return true;
    default: return false;
#endif
  }
  return false;
}

bool isValidUtf8On(Utf8Path path, std::string_view text) { return validOn(path, text); }

bool isValidUtf8(std::string_view text) { return validOn(kBestPath, text); }

}  // namespace mamori::common
