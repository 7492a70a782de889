#pragma once
// The one normalisation every fingerprint goes through, at registration and at scan time alike
// (docs/decisions/0032): Unicode NFKC with case folding (ICU's NFKC_Casefold, so full-width and
// half-width forms, ligatures and upper/lower case meet), katakana folded to hiragana, and only
// letters and digits kept (whitespace, punctuation, symbols and control characters dropped), so
// re-flowed lines, changed bullets or quotes and a PDF's line breaks do not change the fingerprints.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace mamori::fingerprint {

// Invalid UTF-8 is read as U+FFFD, which is not kept. Pure and thread-safe. ASCII, kana, kanji and
// Japanese punctuation are normalised without ICU where no neighbour can change them; the rest goes
// through ICU.
std::u32string normalizeText(std::string_view utf8);

// The same into out (cleared first; its buffer reused: the exact data matcher normalises every word
// of a file on its own).
void normalizeTextInto(std::string_view utf8, std::u32string& out);
// The same appended to out.
void appendNormalizedText(std::string_view utf8, std::u32string& out);

// Characters whose new room is not filled when it grows (std::u32string::resize writes zeros there:
// four bytes a byte of input the normaliser is given, written over at once): what fingerprintText
// normalises its text into, a piece at a time.
class CharBuffer {
 public:
  std::size_t size() const { return size_; }
  char32_t* data() { return data_.get(); }
  const char32_t* data() const { return data_.get(); }
  void clear() { size_ = 0; }
  // Keeps the first min(size(), n) characters; the others are not initialised.
  void resize(std::size_t n) {
    if (n > capacity_) grow(n);
    size_ = n;
  }
  // Drops the first n characters (n <= size()).
  void eraseFront(std::size_t n);

 private:
  void grow(std::size_t n);
  std::unique_ptr<char32_t[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};
// appendNormalizedText into a CharBuffer: the same characters.
void appendNormalizedText(std::string_view utf8, CharBuffer& out);

// The same by the loop appendNormalizedText had before its fast kernels (ASCII 16 bytes a step with
// SSSE3, single ASCII characters inside kana and kanji runs): the reference they are tested and
// measured against (docs/decisions/0063, addendum). Gives the same characters for every text.
void appendNormalizedTextReference(std::string_view utf8, std::u32string& out);

// The first place at or after `from` where the text can be cut without changing its normalisation:
// normalizeText(utf8.substr(0, cut)) + normalizeText(utf8.substr(cut)) == normalizeText(utf8). A
// cut is before a character with a normalisation boundary, after an ASCII character or one the fast
// path normalises alone (almost every character of English or Japanese text). utf8.size() when
// there is none (from 0 answers 0). Lets a long text be normalised piece by piece.
std::size_t normalizationCut(std::string_view utf8, std::size_t from);

// The same, every character through ICU: the reference the fast paths are tested against.
std::u32string normalizeTextWithIcu(std::string_view utf8);

// The same folding for one code point already NFKC-casefolded: katakana to hiragana.
char32_t foldKana(char32_t c);

// Appends c as UTF-8.
void appendUtf8(std::string& out, char32_t c);
// Appends text as UTF-8 (written in place, not byte by byte).
void appendUtf8(std::string& out, std::u32string_view text);

}  // namespace mamori::fingerprint
