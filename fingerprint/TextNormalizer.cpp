#include "fingerprint/TextNormalizer.h"

#include <algorithm>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <vector>

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

std::u32string normalizeText(std::string_view utf8) {
  std::u32string out;
  // ASCII alone (a phone number, an e-mail address, an English word: most of what the exact data
  // matcher normalises, word by word) needs no ICU: NFKC leaves ASCII as it is, case folding lowers
  // A-Z, and of ASCII only letters and digits are kept. The same result, without two conversions
  // and four allocations.
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    out.reserve(utf8.size());
    for (const char c : utf8) {
      if (c >= 'A' && c <= 'Z') {
        out.push_back(static_cast<char32_t>(c - 'A' + 'a'));
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        out.push_back(static_cast<char32_t>(c));
      }
    }
    return out;
  }
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* normalizer = unorm2_getNFKCCasefoldInstance(&status);
  if (U_FAILURE(status) || normalizer == nullptr) return out;  // ICU's data is part of libicu: never
  out.reserve(utf8.size() / 2);
  for (std::size_t from = 0; from < utf8.size();) {
    const std::size_t end = sliceEnd(utf8, from);
    normalizeSlice(utf8.substr(from, end - from), normalizer, out);
    from = end;
  }
  return out;
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
