#pragma once
// The one normalisation every fingerprint goes through, at registration and at scan time alike
// (docs/decisions/0032): Unicode NFKC with case folding (ICU's NFKC_Casefold, so full-width and
// half-width forms, ligatures and upper/lower case meet), katakana folded to hiragana, and only
// letters and digits kept (whitespace, punctuation, symbols and control characters dropped), so
// re-flowed lines, changed bullets or quotes and a PDF's line breaks do not change the fingerprints.

#include <string>
#include <string_view>

namespace mamori::fingerprint {

// Invalid UTF-8 is read as U+FFFD, which is not kept. Pure and thread-safe.
std::u32string normalizeText(std::string_view utf8);

// The same folding for one code point already NFKC-casefolded: katakana to hiragana.
char32_t foldKana(char32_t c);

// Appends c as UTF-8.
void appendUtf8(std::string& out, char32_t c);

}  // namespace mamori::fingerprint
