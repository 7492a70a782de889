#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::common {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). PostgreSQL refuses anything
// else in text columns, so outside input is checked before it is stored.
bool isValidUtf8(std::string_view text);

// Decodes the code point at text[at] into cp; returns the bytes it takes, 0 when the bytes there are
// not strict UTF-8 (as isValidUtf8 judges).
std::size_t decodeUtf8(std::string_view text, std::size_t at, std::uint32_t& cp);

// Outside text (an agent's host name, an event's fields) made safe to print on a terminal: control
// characters (C0, DEL, C1; an escape sequence could rewrite the screen) and characters that are
// invisible or change the reading direction (U+200B-U+200F, U+202A-U+202E, U+2060-U+2064,
// U+2066-U+2069, U+061C, U+FEFF; "invoice<U+202E>fdp.exe" would read as a PDF) become visible
// markers "<U+202E>", bytes that are not UTF-8 become "<0xFF>". Everything else is kept, every script
// included. The web console shows the same markers (console/src/safetext.ts).
std::string visibleText(std::string_view text);

// A byte that is not UTF-8, as rewriteCodePoints hands it on: kNotUtf8 + the byte (beyond Unicode).
inline constexpr std::uint32_t kNotUtf8 = 0x110000;

// Text rewritten one code point at a time, the one walk of every writer of outside text: replace(out, cp)
// appends what stands for cp and returns true, or returns false to keep its bytes. A byte that is not
// strict UTF-8 comes as kNotUtf8 + byte.
template <typename Replace>
std::string rewriteCodePoints(std::string_view text, Replace replace) {
  std::string out;
  out.reserve(text.size());
  std::uint32_t cp = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t n = decodeUtf8(text, at, cp);
    if (n == 0) {
      cp = kNotUtf8 + static_cast<unsigned char>(text[at]);
      n = 1;
    }
    if (!replace(out, cp)) out.append(text.substr(at, n));
    at += n;
  }
  return out;
}

// A character that ends a line or acts on a terminal: C0, DEL, C1 (NEL U+0085 ends a line for Unicode-
// aware readers, CSI U+009B starts an escape sequence in xterm) and the line and paragraph separators
// U+2028 and U+2029. What writes outside text into lines (SIEM formats, JSON shown on a terminal) uses it.
bool isLineControl(std::uint32_t cp);

// Text cut to at most maxBytes without splitting a UTF-8 sequence (the text is valid UTF-8).
std::string capUtf8(std::string text, std::size_t maxBytes);

// Appends the UTF-8 encoding of a code point; surrogates and values above U+10FFFF become U+FFFD,
// so whatever a decoder hands in, the output stays valid UTF-8.
void appendUtf8(std::string& out, std::uint32_t codePoint);

// The code point at UTF-16LE unit `unit` of bytes (a surrogate pair joined, a lone one U+FFFD); unit
// moves past it. unit must be below bytes.size() / 2. appendUtf16Le appends a whole string (an odd
// trailing byte becomes U+FFFD). Used by legacy Office text and PE version resources.
std::uint32_t utf16LeAt(std::string_view bytes, std::size_t& unit);
void appendUtf16Le(std::string& out, std::string_view bytes);

}  // namespace mamori::common
