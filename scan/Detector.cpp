#include "scan/Detector.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mamori::scan {

namespace {

// Length in bytes of a digit at text[i] (1 for ASCII, 3 for U+FF10..U+FF19), 0 if none; its value in d.
inline std::size_t digitAt(std::string_view text, std::size_t i, char& d) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c >= '0' && c <= '9') {
    d = static_cast<char>(c);
    return 1;
  }
  // Full-width digits are EF BC 90 .. EF BC 99; Japanese forms often use them.
  if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC) {
    const auto t = static_cast<unsigned char>(text[i + 2]);
    if (t >= 0x90 && t <= 0x99) {
      d = static_cast<char>('0' + (t - 0x90));
      return 3;
    }
  }
  return 0;
}

bool isSeparator(char c) { return c == ' ' || c == '-'; }

// Whether text holds three ASCII digits at `at` and no fourth after them.
bool thousandsGroupAt(std::string_view text, std::size_t at) {
  const auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
  return digit(at) && digit(at + 1) && digit(at + 2) && !digit(at + 3);
}

bool isAsciiAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Whether any byte of word is an ASCII digit or 0xEF (the lead byte of a full-width digit). Exact
// (no byte is missed; Bit Twiddling Hacks' hasbetween and haszero), so words without one are skipped
// whole: most text has few digits, and this loop reads every byte the detectors see.
inline bool mayHoldDigit(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kLow7 = kOnes * 127;
  constexpr std::uint64_t kHigh = kOnes * 128;
  const std::uint64_t low = word & kLow7;
  const std::uint64_t between = (kOnes * (127 + 0x3A) - low) & ~word & (low + kOnes * (127 - 0x2F)) & kHigh;
  const std::uint64_t ef = word ^ (kOnes * 0xEF);
  const std::uint64_t zero = (ef - kOnes) & ~ef & kHigh;
  return (between | zero) != 0;
}

// The first index from i on whose byte may start a digit (or text.size()). 32 bytes a step with SSE2
// (in every x86-64 CPU): the detectors read every byte of every text twice (cards, My Numbers), and
// eight bytes a step was 15% of the scanner's CPU over Japanese text without digits (issue 17,
// docs/decisions/0065); then eight bytes a step for the rest.
std::size_t nextCandidate(std::string_view text, std::size_t i) {
#if defined(__SSE2__)
  // '0'..'9' moved to -128..-119 (signed bytes): below -118 exactly for a digit; or the byte 0xEF.
  const __m128i shift = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
  const __m128i limit = _mm_set1_epi8(static_cast<char>(0x80 + 10));
  const __m128i lead = _mm_set1_epi8(static_cast<char>(0xEF));
  auto candidates = [&](std::size_t at) {
    __m128i block;
    std::memcpy(&block, text.data() + at, sizeof block);
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(block, shift), limit);
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(digit, _mm_cmpeq_epi8(block, lead))));
  };
  while (i + 32 <= text.size()) {
    const unsigned both = candidates(i) | (candidates(i + 16) << 16U);
    if (both != 0) return i + static_cast<std::size_t>(__builtin_ctz(both));
    i += 32;
  }
#endif
  while (i + 8 <= text.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (mayHoldDigit(word)) return i;
    i += 8;
  }
  return i;
}

// digitRuns' walk, handing each run to `visit` as a view of a stack buffer the next run overwrites:
// the detectors read every matched text, and a string per run (a heap block for a card number's 16
// digits) and a vector per file were a tenth of a plain scan's samples.
constexpr std::size_t kMaxRunDigits = 31;
template <typename Visit>
void forEachDigitRun(std::string_view text, std::size_t maxDigits, Visit&& visit) {
  maxDigits = std::min(maxDigits, kMaxRunDigits - 1);
  std::array<char, kMaxRunDigits> run{};
  std::size_t i = 0;
  char d = 0;
  while (i < text.size()) {
    // Most bytes are neither an ASCII digit nor the lead byte of a full-width one: skip them cheaply.
    i = nextCandidate(text, i);
    if (i >= text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < '0' || c > '9') && c != 0xEF) {
      ++i;
      continue;
    }
    std::size_t len = digitAt(text, i, d);
    if (len == 0) {
      ++i;
      continue;
    }
    // A run glued to a letter ("ID1234...") is an identifier, not a number a person would write.
    const bool gluedBefore = i > 0 && isAsciiAlnum(text[i - 1]);
    std::size_t size = 0;
    bool tooLong = false;
    std::size_t group = 0;  // digits since the run's start or its last thousands separator
    bool spaced = false;    // joined at a blank or hyphen
    bool grouped = false;   // joined at thousands separators
    while (true) {
      if (size < maxDigits + 1) run[size++] = d;
      if (size > maxDigits) tooLong = true;
      ++group;
      i += len;
      if (i >= text.size()) break;
      if ((len = digitAt(text, i, d)) != 0) continue;
      if (!grouped && isSeparator(text[i]) && i + 1 < text.size() && (len = digitAt(text, i + 1, d)) != 0) {
        spaced = true;
        ++i;
        continue;
      }
      // A number shown with thousands separators (a sheet's "#,##0": 123,456,789,012) is one number:
      // groups of exactly three after a first of one to three, and nothing else ("1,2,3", "12,3456").
      if (text[i] == ',' && !spaced && group <= 3 && (!grouped || group == 3) && thousandsGroupAt(text, i + 1)) {
        grouped = true;
        group = 0;
        len = digitAt(text, ++i, d);
        continue;
      }
      break;
    }
    const bool gluedAfter = i < text.size() && isAsciiAlnum(text[i]);
    if (!tooLong && !gluedBefore && !gluedAfter) visit(std::string_view(run.data(), size));
  }
}

}  // namespace

std::vector<std::string> digitRuns(std::string_view text, std::size_t maxDigits) {
  std::vector<std::string> runs;
  forEachDigitRun(text, maxDigits, [&](std::string_view run) { runs.emplace_back(run); });
  return runs;
}

bool luhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int v = *it - '0';
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool cardIssuerPlausible(std::string_view d) {
  const std::size_t n = d.size();
  auto prefix = [&](std::size_t len) { return std::stoi(std::string(d.substr(0, len))); };
  if (n < 13 || n > 19) return false;
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;  // Visa
  const int p2 = prefix(2);
  const int p3 = prefix(3);
  const int p4 = prefix(4);
  if (p2 >= 51 && p2 <= 55) return n == 16;                                          // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n == 16;                                      // Mastercard 2-series
  if (p2 == 34 || p2 == 37) return n == 15;                                          // American Express
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;                                      // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;  // Diners Club
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) return n >= 16;            // Discover
  if (p2 == 62) return n >= 16;                                                      // UnionPay
  return false;
}

bool myNumberValid(std::string_view d) {
  if (d.size() != 12) return false;
  // P_n is the n-th digit counting leftwards from the 11th; weights Q_n = n+1 (n<=6), n-5 (n>=7).
  int sum = 0;
  for (int n = 1; n <= 11; ++n) {
    const int p = d[static_cast<std::size_t>(11 - n)] - '0';
    const int q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const int remainder = sum % 11;
  const int check = remainder <= 1 ? 0 : 11 - remainder;
  return d[11] - '0' == check;
}

std::int64_t CreditCardDetector::count(std::string_view utf8) const {
  std::int64_t found = 0;
  forEachDigitRun(utf8, 19, [&](std::string_view run) {
    if (cardIssuerPlausible(run) && luhnValid(run)) ++found;
  });
  return found;
}

std::int64_t MyNumberDetector::count(std::string_view utf8) const {
  std::int64_t found = 0;
  forEachDigitRun(utf8, 12, [&](std::string_view run) {
    if (myNumberValid(run)) ++found;
  });
  return found;
}

}  // namespace mamori::scan
