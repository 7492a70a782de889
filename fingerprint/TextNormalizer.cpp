#include "fingerprint/TextNormalizer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <vector>

#include "common/CpuFeatures.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "fingerprint/Avx512.h"
#define MAMORI_NORMALIZER_X86 1
#endif

namespace mamori::fingerprint {

namespace {

// ICU's normalizer works on UTF-16; text is converted in slices so a huge document never needs
// one huge UTF-16 copy plus its normalised copy at once. A slice ends at a line feed when it can,
// else at any ASCII byte, so no character (and rarely a combining sequence) is split.
constexpr std::size_t kSliceBytes = 1 << 16;

std::size_t sliceEnd(std::string_view text, std::size_t from) {
  if (text.size() - from <= kSliceBytes) return text.size();
  const std::size_t limit = from + kSliceBytes;
  for (std::size_t i = limit; i > from + kSliceBytes / 2; --i) {
    if (text[i] == '\n') return i + 1;
  }
  for (std::size_t i = limit; i > from; --i) {
    if (static_cast<unsigned char>(text[i]) < 0x80) return i;
  }
  return limit;  // no ASCII at all in a whole slice: a split character becomes U+FFFD, dropped
}

bool keep(char32_t c) {
  const auto category = static_cast<UCharCategory>(u_charType(static_cast<UChar32>(c)));
  switch (category) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK: return true;
    default: return false;
  }
}

void normalizeSlice(std::string_view slice, const UNormalizer2* normalizer, std::u32string& out) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8WithSub(nullptr, 0, &length, slice.data(), static_cast<int32_t>(slice.size()), 0xFFFD, nullptr, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return;
  // Buffers kept per thread: the exact data matcher normalises every word of a file on its own.
  thread_local std::vector<UChar> utf16;
  thread_local std::vector<UChar> normalized;
  utf16.resize(static_cast<std::size_t>(length) + 1);
  status = U_ZERO_ERROR;
  u_strFromUTF8WithSub(utf16.data(), length + 1, &length, slice.data(), static_cast<int32_t>(slice.size()), 0xFFFD,
                       nullptr, &status);
  if (U_FAILURE(status)) return;
  // NFKC never grows text by more than a small factor; ask for the size first all the same.
  status = U_ZERO_ERROR;
  const int32_t needed = unorm2_normalize(normalizer, utf16.data(), length, nullptr, 0, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return;
  normalized.resize(static_cast<std::size_t>(needed) + 1);
  status = U_ZERO_ERROR;
  const int32_t written = unorm2_normalize(normalizer, utf16.data(), length, normalized.data(), needed + 1, &status);
  if (U_FAILURE(status)) return;
  for (int32_t i = 0; i < written;) {
    UChar32 c = 0;
    U16_NEXT(normalized.data(), i, written, c);
    if (keep(static_cast<char32_t>(c))) out.push_back(foldKana(static_cast<char32_t>(c)));
  }
}

}  // namespace

char32_t foldKana(char32_t c) {
  // Katakana ァ (U+30A1) .. ヶ (U+30F6) and ヽヾ sit 0x60 above their hiragana; ヷ-ヺ have none.
  if ((c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE) return c - 0x60;
  return c;
}

namespace {

const UNormalizer2* nfkcCasefold() {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* normalizer = unorm2_getNFKCCasefoldInstance(&status);
  return U_FAILURE(status) ? nullptr : normalizer;  // ICU's data is part of libicu: never null
}

// Text through ICU in slices (a slice boundary is a line feed or an ASCII byte: a normalisation
// boundary in all but the rarest texts).
void normalizeWithIcu(std::string_view utf8, const UNormalizer2* normalizer, std::u32string& out) {
  for (std::size_t from = 0; from < utf8.size();) {
    const std::size_t end = sliceEnd(utf8, from);
    normalizeSlice(utf8.substr(from, end - from), normalizer, out);
    from = end;
  }
}

// What the fast path knows of the characters most Japanese text is made of: CJK symbols and
// punctuation, hiragana and katakana (U+3000..U+30FF), the CJK unified ideographs (U+4E00..U+9FFF)
// and the full-width and half-width forms (U+FF00..U+FFEF), asked of ICU once per process.
struct Range {
  char32_t first, end;
};
constexpr std::array<Range, 3> kRanges = {{{0x3000, 0x3100}, {0x4E00, 0xA000}, {0xFF00, 0xFFF0}}};
constexpr std::uint8_t kBoundary = 1;  // a normalisation boundary before it (hasBoundaryBefore)
constexpr std::uint8_t kAlone = 2;     // and what it gives is the same whatever surrounds it: `output`

// What normalizeText keeps of an ASCII character: letters lowered, digits, nothing else (0).
constexpr char asciiKept(char32_t c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) return static_cast<char>(c);
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return 0;
}

struct CharInfo {
  std::uint8_t bits = 0;
  char16_t output = 0;  // what normalizeText keeps of it (NFKC_Casefold, only letters, digits and marks,
                        // kana folded): one character, or 0 for nothing
};

class FastTable {
 public:
  explicit FastTable(const UNormalizer2* normalizer) {
    for (const auto& range : kRanges)
      for (char32_t c = range.first; c < range.end; ++c) {
        info_[c] = classify(normalizer, c);
        packed_[c] = (std::uint32_t{info_[c].bits} << 16U) | info_[c].output;
      }
    for (char32_t c = 0; c < 0x80; ++c)
      packed_[c] = (std::uint32_t{kBoundary | kAlone} << 16U) | static_cast<unsigned char>(asciiKept(c));
  }
  // The same as one word, bits << 16 | output, and for ASCII too (what an ASCII character keeps,
  // normalising alone): for the 64-byte steps, which read a character's entry whatever it is.
  const std::uint32_t* packed() const { return packed_.data(); }
  // Characters outside the ranges are not known: neither alone nor a boundary. Indexed by the code
  // point itself (the BMP, 256 KiB, zero outside the ranges): one load a character.
  CharInfo at(char32_t c) const { return c < info_.size() ? info_[c] : CharInfo{}; }
  // The same for c known to be below 0x10000.
  CharInfo bmp(char32_t c) const { return info_[c]; }

 private:
  static CharInfo classify(const UNormalizer2* normalizer, char32_t c) {
    if (unorm2_hasBoundaryBefore(normalizer, static_cast<UChar32>(c)) == 0) return {};
    const UChar unit = static_cast<UChar>(c);  // BMP only
    std::array<UChar, 32> mapped{};
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length =
        unorm2_normalize(normalizer, &unit, 1, mapped.data(), static_cast<int32_t>(mapped.size()), &status);
    if (U_FAILURE(status)) return {kBoundary, 0};
    // What of its normalised form is kept: nothing, or one BMP character (then folded).
    char16_t kept = 0;
    for (int32_t i = 0; i < length;) {
      UChar32 m = 0;
      U16_NEXT(mapped.data(), i, length, m);
      if (!keep(static_cast<char32_t>(m))) continue;
      if (kept != 0 || m > 0xFFFF) return {kBoundary, 0};
      kept = static_cast<char16_t>(foldKana(static_cast<char32_t>(m)));
    }
    return {static_cast<std::uint8_t>(kBoundary | kAlone), kept};
  }
  std::array<CharInfo, 0x10000> info_{};
  std::array<std::uint32_t, 0x10000> packed_{};
};

const FastTable& fastTable(const UNormalizer2* normalizer) {
  static const FastTable table(normalizer);
  return table;
}

// The character at text[at]: ASCII, or a three-byte sequence the table knows; anything else is not
// known (length 0).
struct Known {
  std::size_t length = 0;
  char32_t c = 0;
  CharInfo info;
};

inline Known knownAt(std::string_view text, std::size_t at, const FastTable& table) {
  const auto b0 = static_cast<unsigned char>(text[at]);
  if (b0 < 0x80) return {1, b0, {kBoundary | kAlone, 0}};
  if ((b0 & 0xF0) != 0xE0 || text.size() - at < 3) return {};
  const auto b1 = static_cast<unsigned char>(text[at + 1]);
  const auto b2 = static_cast<unsigned char>(text[at + 2]);
  if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) return {};
  const char32_t c = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
  const CharInfo info = table.at(c);  // the ranges hold no overlong forms and no surrogates
  if (info.bits == 0) return {};
  return {3, c, info};
}

}  // namespace

std::u32string normalizeText(std::string_view utf8) {
  std::u32string out;
  normalizeTextInto(utf8, out);
  return out;
}

namespace {

// ASCII as normalizeText keeps it: letters lowered, digits, nothing else (0).
constexpr std::array<char, 128> kAsciiKept = [] {
  std::array<char, 128> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  return table;
}();

}  // namespace

void normalizeTextInto(std::string_view utf8, std::u32string& out) {
  out.clear();
  appendNormalizedText(utf8, out);
}

namespace {

// The ASCII run bytes[at, end) (each byte's successor ASCII too) as normalizeText keeps it, written
// at `written` (room for one character a byte) without a branch on what is kept: a character is
// always stored and the output moves on only when it is kept (spaces and punctuation every few
// letters made the branch mispredict). Eight bytes a step where the whole step is ASCII.
char32_t* copyAsciiRun(const unsigned char* bytes, std::size_t at, std::size_t end, char32_t* written) {
  for (; at + 8 <= end; at += 8) {
    for (std::size_t i = 0; i < 8; ++i) {
      const char kept = kAsciiKept[bytes[at + i]];
      *written = static_cast<char32_t>(kept);
      written += kept != 0 ? 1 : 0;
    }
  }
  for (; at < end; ++at) {
    const char kept = kAsciiKept[bytes[at]];
    *written = static_cast<char32_t>(kept);
    written += kept != 0 ? 1 : 0;
  }
  return written;
}

using CopyAsciiRun = char32_t* (*)(const unsigned char*, std::size_t, std::size_t, char32_t*);

#if MAMORI_NORMALIZER_X86
// The byte positions of the set bits of an 8-bit mask, in order, then zeros: a pshufb control that
// gathers the kept bytes of 8 to the front.
constexpr std::array<std::uint64_t, 256> kCompact = [] {
  std::array<std::uint64_t, 256> table{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    std::uint64_t control = 0;
    unsigned n = 0;
    for (unsigned bit = 0; bit < 8; ++bit)
      if ((mask >> bit) & 1U) control |= std::uint64_t{bit} << (8 * n++);
    for (; n < 8; ++n) control |= std::uint64_t{0x80} << (8 * n);  // pshufb writes 0
    table[mask] = control;
  }
  return table;
}();

// 8 bytes (the low half of bytes) with their keep mask: the kept ones gathered and widened to
// characters, 8 stored at written (the rest is overwritten later or past the end of what is kept).
__attribute__((target("ssse3,popcnt"))) inline char32_t* storeKept8(__m128i bytes, unsigned mask, char32_t* written) {
  const __m128i control = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&kCompact[mask]));
  const __m128i gathered = _mm_shuffle_epi8(bytes, control);
  const __m128i zero = _mm_setzero_si128();
  const __m128i wide = _mm_unpacklo_epi8(gathered, zero);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(written), _mm_unpacklo_epi16(wide, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(written + 4), _mm_unpackhi_epi16(wide, zero));
  return written + _mm_popcnt_u32(mask);
}

// copyAsciiRun 16 bytes a step: letters lowered with a masked add, the kept bytes (letters and
// digits) found with compares and gathered with pshufb, 8 at a time. Writes up to 8 characters past
// what it keeps, never past one character for each byte of [at, end).
__attribute__((target("ssse3,popcnt"))) char32_t* copyAsciiRunSsse3(const unsigned char* bytes, std::size_t at,
                                                                    std::size_t end, char32_t* written) {
  const __m128i beforeUpper = _mm_set1_epi8('A' - 1), afterUpper = _mm_set1_epi8('Z' + 1);
  const __m128i beforeLower = _mm_set1_epi8('a' - 1), afterLower = _mm_set1_epi8('z' + 1);
  const __m128i beforeDigit = _mm_set1_epi8('0' - 1), afterDigit = _mm_set1_epi8('9' + 1);
  const __m128i caseBit = _mm_set1_epi8(0x20);
  for (; at + 16 <= end; at += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + at));  // ASCII: signed compares
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, beforeUpper), _mm_cmplt_epi8(v, afterUpper));
    const __m128i lowered = _mm_add_epi8(v, _mm_and_si128(upper, caseBit));
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lowered, beforeLower), _mm_cmplt_epi8(lowered, afterLower));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, beforeDigit), _mm_cmplt_epi8(v, afterDigit));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(letter, digit)));
    written = storeKept8(lowered, mask & 0xFFU, written);
    written = storeKept8(_mm_srli_si128(lowered, 8), mask >> 8U, written);
  }
  return copyAsciiRun(bytes, at, end, written);
}

CopyAsciiRun fastCopyAsciiRun() {
  static const CopyAsciiRun chosen =
      common::cpuHas(common::CpuFeature::kSsse3) && common::cpuHas(common::CpuFeature::kPopcnt) ? copyAsciiRunSsse3
                                                                                                : copyAsciiRun;
  return chosen;
}
#else
CopyAsciiRun fastCopyAsciiRun() { return copyAsciiRun; }
#endif

// Where the ASCII run that starts at `at` ends for copyAsciiRun: the first byte whose successor is
// not ASCII (or the text's last byte), so that byte is looked at with its neighbour.
std::size_t asciiRunEnd(const unsigned char* bytes, std::size_t at, std::size_t size) {
  std::size_t next = at + 1;
  for (; next + 8 <= size; next += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes + next, 8);
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  while (next < size && bytes[next] < 0x80) ++next;
  return next - 1;
}

// Four bytes at p, the first in the lowest bits.
inline std::uint32_t load32(const unsigned char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint32_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return word;
  } else {
    return p[0] | (std::uint32_t{p[1]} << 8U) | (std::uint32_t{p[2]} << 16U) | (std::uint32_t{p[3]} << 24U);
  }
}

#if MAMORI_NORMALIZER_X86
MAMORI_AVX512_BEGIN
// The 16 bytes of bytes from byte `from` (a multiple of 16), widened to 32-bit lanes.
__attribute__((target("avx512f,avx512bw"))) inline __m512i widenFrom(__m512i bytes, unsigned from) {
  __m128i part;
  switch (from / 16) {
    case 0: part = _mm512_extracti32x4_epi32(bytes, 0); break;
    case 1: part = _mm512_extracti32x4_epi32(bytes, 1); break;
    case 2: part = _mm512_extracti32x4_epi32(bytes, 2); break;
    default: part = _mm512_extracti32x4_epi32(bytes, 3); break;
  }
  return _mm512_cvtepu8_epi32(part);
}

// Kana, kanji and the ASCII between them 64 bytes a step (AVX-512BW and VBMI2; docs/decisions/0063,
// addendum 2). A step's bytes are checked at once to be ASCII and whole three-byte sequences
// (continuation bytes exactly where the lead bytes put them), so its characters start at the bytes
// that are not continuation bytes. Their first, second and third bytes are gathered to the front by
// byte compresses, decoded 16 characters at a time, their table entries read with one gather and
// what they keep stored with a compress: no character waits on the end of the one before (the
// one-character loop's chain). A step is kept when every character in it normalises alone (ASCII, or
// what the table says) and the character after it has a boundary before it: then each gives what the
// one-character loop gives. Otherwise what it wrote is dropped and the step is left to that loop.
// `at` is the start of a character with nothing held back; answers where the steps stopped (the start
// of a character).
__attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,popcnt"))) std::size_t japaneseSteps(std::string_view utf8,
                                                                                             std::size_t at,
                                                                                             const FastTable& table,
                                                                                             char32_t*& written) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t size = utf8.size();
  const std::uint32_t* packed = table.packed();
  const __m512i top2 = _mm512_set1_epi8(static_cast<char>(0xC0));
  const __m512i top4 = _mm512_set1_epi8(static_cast<char>(0xF0));
  const __m512i continuation = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i lead = _mm512_set1_epi8(static_cast<char>(0xE0));
  const __m512i low4 = _mm512_set1_epi32(0x0F), low6 = _mm512_set1_epi32(0x3F);
  const __m512i asciiEnd = _mm512_set1_epi32(0x80), overlongEnd = _mm512_set1_epi32(0x800);
  const __m512i none = _mm512_set1_epi32(0xFFFF);  // a code point the table does not know
  const __m512i both = _mm512_set1_epi32(static_cast<int>(std::uint32_t{kBoundary | kAlone} << 16U));
  const __m512i output = _mm512_set1_epi32(0xFFFF);
  char32_t* w = written;
  // 64 bytes and the 2 past them that the shifted loads read (and a character starting at the last
  // byte reads).
  while (at + 64 + 2 <= size) {
    const __m512i v0 = _mm512_loadu_si512(bytes + at);
    const __mmask64 follows = _mm512_cmpeq_epi8_mask(_mm512_and_si512(v0, top2), continuation);
    const __mmask64 leads = _mm512_cmpeq_epi8_mask(_mm512_and_si512(v0, top4), lead);
    const __mmask64 ascii = ~_mm512_movepi8_mask(v0);
    if ((ascii | follows | leads) != ~__mmask64{0} || follows != ((leads << 1U) | (leads << 2U))) break;
    const __mmask64 starts = ~follows;
    // The last character may end past the step: its continuation bytes are checked here.
    const auto last = static_cast<std::size_t>(63 - __builtin_clzll(starts));
    std::size_t next = at + last + 1;
    if (bytes[at + last] >= 0x80) {
      if ((bytes[at + last + 1] & 0xC0) != 0x80 || (bytes[at + last + 2] & 0xC0) != 0x80) break;
      next = at + last + 3;
    }
    if (next < size && (knownAt(utf8, next, table).info.bits & kBoundary) == 0) break;
    // Each character's first, second and third byte, gathered to the front in character order.
    const __m512i first = _mm512_maskz_compress_epi8(starts, v0);
    const __m512i second = _mm512_maskz_compress_epi8(starts, _mm512_loadu_si512(bytes + at + 1));
    const __m512i third = _mm512_maskz_compress_epi8(starts, _mm512_loadu_si512(bytes + at + 2));
    const auto count = static_cast<unsigned>(__builtin_popcountll(starts));
    char32_t* const stepStart = w;
    bool kept = true;
    for (unsigned from = 0; from < count; from += 16) {
      const __mmask16 lanes =
          count - from >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1U << (count - from)) - 1);
      const __m512i b0 = widenFrom(first, from), b1 = widenFrom(second, from), b2 = widenFrom(third, from);
      const __m512i decoded = _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(b0, low4), 12),
                                                              _mm512_slli_epi32(_mm512_and_si512(b1, low6), 6)),
                                              _mm512_and_si512(b2, low6));
      const __mmask16 isAscii = _mm512_cmplt_epu32_mask(b0, asciiEnd);
      // ASCII reads its own byte; an overlong three-byte form (below U+0800) reads an entry that is
      // not known, so the step is left to the loop (which gives U+FFFD, not kept).
      __m512i at16 = _mm512_mask_mov_epi32(decoded, isAscii, b0);
      at16 = _mm512_mask_mov_epi32(
          at16, static_cast<__mmask16>(~isAscii & _mm512_cmplt_epu32_mask(decoded, overlongEnd)), none);
      const __m512i e = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes, at16, packed, 4);
      if (_mm512_mask_cmpneq_epi32_mask(lanes, _mm512_and_si512(e, both), both) != 0) {
        kept = false;
        break;
      }
      const __m512i out = _mm512_and_si512(e, output);
      const __mmask16 keep = static_cast<__mmask16>(lanes & _mm512_test_epi32_mask(out, out));
      _mm512_storeu_si512(w, _mm512_maskz_compress_epi32(keep, out));
      w += __builtin_popcount(keep);
    }
    if (!kept) {
      w = stepStart;
      break;
    }
    at = next;
  }
  written = w;
  return at;
}
MAMORI_AVX512_END

using JapaneseSteps = std::size_t (*)(std::string_view, std::size_t, const FastTable&, char32_t*&);

JapaneseSteps fastJapaneseSteps() {
  static const JapaneseSteps chosen =
      common::cpuHas(common::CpuFeature::kAvx512f) && common::cpuHas(common::CpuFeature::kAvx512bw) &&
              common::cpuHas(common::CpuFeature::kAvx512vbmi2) && common::cpuHas(common::CpuFeature::kBmi) &&
              common::cpuHas(common::CpuFeature::kPopcnt)
          ? japaneseSteps
          : nullptr;
  return chosen;
}
#else
using JapaneseSteps = std::size_t (*)(std::string_view, std::size_t, const FastTable&, char32_t*&);
JapaneseSteps fastJapaneseSteps() { return nullptr; }
#endif

// normalizeText's loop: with kFast, ASCII runs copied 16 bytes a step (where the processor has SSSE3)
// and single ASCII characters kept inside runs of kana and kanji; without, the loop as it was before
// those kernels (docs/decisions/0063, addendum), kept as the reference they are tested and measured
// against. Both give the same characters for every text.
template <bool kFast, class Out>
void appendNormalizedWith(std::string_view utf8, Out& out) {
  const CopyAsciiRun copyRun = kFast ? fastCopyAsciiRun() : copyAsciiRun;
  const std::size_t before = out.size();
  // Every character the fast paths below write comes from at least one byte: the output is written
  // in place into room for one character a byte (ICU's stretches, which may grow, make room first).
  out.resize(before + utf8.size());
  char32_t* written = out.data() + before;
  const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t size = utf8.size();
  // ASCII alone (a phone number, an e-mail address, an English word: most of what the exact data
  // matcher normalises, word by word) needs no ICU: NFKC leaves ASCII as it is, case folding lowers
  // A-Z, and of ASCII only letters and digits are kept. An ASCII character before a byte that is
  // not ASCII waits for the general loop: a combining mark after it would change it.
  std::size_t at = 0;
  if (size > 0 && bytes[0] < 0x80) {
    const std::size_t end = asciiRunEnd(bytes, 0, size);
    written = copyRun(bytes, 0, end, written);
    at = end;
    if (end + 1 == size) {  // the last byte too: nothing follows it
      written = copyRun(bytes, end, size, written);
      at = size;
    }
  }
  if (at == size) {
    out.resize(static_cast<std::size_t>(written - out.data()));
    return;
  }
  const UNormalizer2* normalizer = nfkcCasefold();
  if (normalizer == nullptr) {
    out.resize(before);
    return;
  }
  const FastTable& table = fastTable(normalizer);
  // A character with a normalisation boundary before it and before the next one normalises as it
  // would alone, whatever surrounds it: ASCII, and what the table says of kana, kanji, Japanese
  // punctuation and full-width forms (almost all of a Japanese text). Every other stretch goes
  // through ICU: it starts and ends at boundaries, so ICU gives for it what it gives for it inside
  // the whole text.
  constexpr std::size_t kNone = SIZE_MAX;
  std::size_t pending = kNone;  // where the stretch for ICU began
  thread_local std::u32string stretch;
  // The stretch [from, end) through ICU, written at w; answers where writing goes on (out may move).
  // Nothing the loop changes is captured: `written` and `pending` stay in registers.
  const auto flush = [&utf8, normalizer, &out, size](std::size_t from, std::size_t end, char32_t* w) {
    stretch.clear();
    normalizeWithIcu(utf8.substr(from, end - from), normalizer, stretch);
    // Room for the stretch and one character for every byte still to come.
    const auto used = static_cast<std::size_t>(w - out.data());
    if (used + stretch.size() + (size - end) > out.size()) out.resize(used + stretch.size() + (size - end));
    return std::copy(stretch.begin(), stretch.end(), out.data() + used);
  };
  Known here = knownAt(utf8, at, table);
  const JapaneseSteps steps = kFast ? fastJapaneseSteps() : nullptr;
  // Where the steps stopped (a step that could not be taken, or the text's end near), plus 64: they
  // are not tried again before it (the loop below takes that stretch).
  std::size_t stepsAgainAt = 0;
  while (at < size) {
    if constexpr (kFast) {
      if (steps != nullptr && pending == kNone && here.length == 3 && (here.info.bits & kAlone) != 0 &&
          at >= stepsAgainAt) {
        const std::size_t to = steps(utf8, at, table, written);
        stepsAgainAt = to + 64;
        if (to != at) {
          at = to;
          if (at < size) here = knownAt(utf8, at, table);
          continue;
        }
      }
    }
    if (pending == kNone && here.length == 1) {  // ASCII: as above, up to the last before a byte that is not
      const std::size_t end = asciiRunEnd(bytes, at, size);
      written = copyRun(bytes, at, end, written);
      if (end != at) here = knownAt(utf8, end, table);
      at = end;
    }
    if constexpr (kFast) {
      // A run of three-byte characters the table knows normalise alone (kana, kanji, Japanese
      // punctuation), and single ASCII characters between them (a line feed after 。): each is written
      // once the next is known to have a boundary before it, in a loop whose branches only leave the
      // run (two ASCII bytes leave it too: ASCII runs are copied 16 bytes a step above). Its state in
      // locals (registers), the next character's bytes read as one word, a lead byte and its continuation
      // bytes checked in one compare, the table read without a bounds check (a three-byte sequence is
      // in the BMP).
      if (pending == kNone && here.length == 3 && (here.info.bits & kAlone) != 0) {
        char32_t* w = written;
        CharInfo current = here.info;
        char32_t c = here.c;
        std::size_t length = 3;
        std::size_t i = at;
        for (;;) {
          const std::size_t n = i + length;              // the next character
          if (n + 4 > size) break;                       // near the end: the general loop
          const std::uint32_t word = load32(bytes + n);  // its bytes from the lowest
          CharInfo info;
          char32_t nextChar = word & 0xFFU;
          std::size_t nextLength = 1;
          if (nextChar < 0x80) {
            if ((word & 0x8000U) == 0) break;  // ASCII after it too: a run for copyRun
            info = {static_cast<std::uint8_t>(kBoundary | kAlone), static_cast<char16_t>(kAsciiKept[nextChar])};
          } else {
            if ((word & 0xC0C0F0U) != 0x8080E0U) break;
            nextChar = ((word & 0x0FU) << 12) | ((word >> 2U) & 0xFC0U) | ((word >> 16U) & 0x3FU);
            nextLength = 3;
            info = table.bmp(nextChar);
            if ((info.bits & kBoundary) == 0) break;
          }
          *w = current.output;
          w += current.output != 0 ? 1 : 0;
          current = info;
          c = nextChar;
          length = nextLength;
          i = n;
          if ((info.bits & kAlone) == 0) break;
        }
        at = i;
        written = w;
        here = length == 1 ? Known{1, c, {kBoundary | kAlone, 0}} : Known{3, c, current};
      }
    } else {
      // A run of three-byte characters the table knows normalise alone (kana, kanji, Japanese
      // punctuation): each is written once the next is known to have a boundary before it, in a loop
      // whose branches only leave the run.
      if (pending == kNone && here.length == 3 && (here.info.bits & kAlone) != 0) {
        for (; at + 6 <= size; at += 3) {
          const auto b0 = bytes[at + 3], b1 = bytes[at + 4], b2 = bytes[at + 5];
          if ((b0 & 0xF0) != 0xE0 || (b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) break;
          const CharInfo info = table.at(((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu));
          if ((info.bits & kBoundary) == 0) break;
          *written = here.info.output;
          written += here.info.output != 0 ? 1 : 0;
          here = {3, ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu), info};
          if ((info.bits & kAlone) == 0) {
            at += 3;
            break;
          }
        }
      }
    }
    const std::size_t next = at + std::max<std::size_t>(here.length, 1);
    const Known after = next < size ? knownAt(utf8, next, table) : Known{0, 0, {kBoundary, 0}};
    if ((here.info.bits & kAlone) != 0 && (after.info.bits & kBoundary) != 0) {
      if (pending != kNone) {
        written = flush(pending, at, written);
        pending = kNone;
      }
      // What is kept of it (ASCII through the table, the rest from the table: 0 for nothing), stored
      // whether kept or not.
      const char32_t kept = here.c < 0x80 ? static_cast<char32_t>(kAsciiKept[here.c]) : here.info.output;
      *written = kept;
      written += kept != 0 ? 1 : 0;
    } else if (pending == kNone) {
      pending = at;
    }
    at = next;
    here = after;
  }
  if (pending != kNone) written = flush(pending, size, written);
  out.resize(static_cast<std::size_t>(written - out.data()));
}

}  // namespace

void appendNormalizedText(std::string_view utf8, std::u32string& out) { appendNormalizedWith<true>(utf8, out); }

void appendNormalizedText(std::string_view utf8, CharBuffer& out) { appendNormalizedWith<true>(utf8, out); }

void CharBuffer::grow(std::size_t n) {
  const std::size_t capacity = std::max(n, 2 * capacity_);
  auto grown = std::make_unique_for_overwrite<char32_t[]>(capacity);
  if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_ * sizeof(char32_t));
  data_ = std::move(grown);
  capacity_ = capacity;
}

void CharBuffer::eraseFront(std::size_t n) {
  if (n < size_) std::memmove(data_.get(), data_.get() + n, (size_ - n) * sizeof(char32_t));
  size_ -= std::min(n, size_);
}

void appendNormalizedTextReference(std::string_view utf8, std::u32string& out) {
  appendNormalizedWith<false>(utf8, out);
}

std::size_t normalizationCut(std::string_view utf8, std::size_t from) {
  const std::size_t size = utf8.size();
  if (from == 0 || from >= size) return std::min(from, size);
  const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
  const FastTable* table = nullptr;
  for (std::size_t at = from; at < size; ++at) {
    // An ASCII character before an ASCII character: the commonest cut, and no table needed.
    if (bytes[at] < 0x80 && bytes[at - 1] < 0x80) return at;
    if ((bytes[at] & 0xC0) == 0x80) continue;  // inside a character
    if (table == nullptr) {
      const UNormalizer2* normalizer = nfkcCasefold();
      if (normalizer == nullptr) return size;
      table = &fastTable(normalizer);
    }
    if ((knownAt(utf8, at, *table).info.bits & kBoundary) == 0) continue;
    // The character before: ASCII, or a three-byte character the table knows normalises alone. The
    // whole text's loop steps onto it (no known character can overlap its lead byte), sees the
    // boundary after it, writes it on the fast path and holds no stretch back: as at a text's end.
    if (bytes[at - 1] < 0x80) return at;
    if (at >= 3) {
      const Known before = knownAt(utf8.substr(0, at), at - 3, *table);
      if (before.length == 3 && (before.info.bits & kAlone) != 0) return at;
    }
  }
  return size;
}

std::u32string normalizeTextWithIcu(std::string_view utf8) {
  std::u32string out;
  if (const UNormalizer2* normalizer = nfkcCasefold()) normalizeWithIcu(utf8, normalizer, out);
  return out;
}

void appendUtf8(std::string& out, std::u32string_view text) {
  const std::size_t from = out.size();
  out.resize(from + 4 * text.size());
  char* at = out.data() + from;
  for (const char32_t c : text) {
    if (c < 0x80) {
      *at++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *at++ = static_cast<char>(0xC0 | (c >> 6));
      *at++ = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *at++ = static_cast<char>(0xE0 | (c >> 12));
      *at++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *at++ = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      *at++ = static_cast<char>(0xF0 | (c >> 18));
      *at++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *at++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *at++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  out.resize(static_cast<std::size_t>(at - out.data()));
}

void appendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace mamori::fingerprint
