#include <cstdint>
#include <cstring>

#include "common/Utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// isValidUtf8: the content scanner sniffs the first 64 KiB of every file with it, and on Japanese
// text (three-byte sequences between ASCII words) a byte-wise check branches at every change of
// script: it was a quarter of the scanner's CPU on the benchmark's tree (perf, issue 17). Blocks of
// 16 bytes are checked with SSE2 (in every x86-64 CPU) without a branch per byte; short texts and
// other CPUs take the byte-wise path. Both give decodeUtf8's verdicts (tests/common/Utf8Test.cpp
// compares them over every placement of up to four interesting bytes across block edges; the
// fuzz target fuzz_utf8 over anything).

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

#endif

}  // namespace

bool isValidUtf8(std::string_view text) {
#if defined(__SSE2__)
  if (text.size() >= 32) return validInBlocks(text);
#endif
  return validBytewise(text);
}

}  // namespace mamori::common
