#pragma once
// Character data as legacy binary formats store it (Office 97-2003 files, Outlook .msg, RTF), appended
// to UTF-8 text: UTF-16LE code units, Latin-1 ("compressed" Unicode: the high byte left out) and
// Windows-1252 bytes. Pure; odd trailing bytes and lone surrogates become U+FFFD, never a crash.

#include <cstdint>
#include <string>
#include <string_view>

namespace mamori::scan {

// Windows-1252's character for a byte; U+FFFD for the five bytes it leaves undefined.
std::uint32_t cp1252ToUnicode(unsigned char byte);

// The code point at UTF-16LE unit `unit` of bytes (a surrogate pair joined, a lone one U+FFFD); unit
// moves past it. unit must be below bytes.size() / 2.
std::uint32_t utf16LeAt(std::string_view bytes, std::size_t& unit);
void appendUtf16Le(std::string& out, std::string_view bytes);
void appendLatin1(std::string& out, std::string_view bytes);
void appendCp1252(std::string& out, std::string_view bytes);

// Little-endian integers at an offset the caller has checked.
inline std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8U));
}
inline std::uint32_t le32(std::string_view s, std::size_t at) {
  return static_cast<std::uint32_t>(le16(s, at)) | (static_cast<std::uint32_t>(le16(s, at + 2)) << 16U);
}
inline std::uint64_t le64(std::string_view s, std::size_t at) {
  return static_cast<std::uint64_t>(le32(s, at)) | (static_cast<std::uint64_t>(le32(s, at + 4)) << 32U);
}

}  // namespace mamori::scan

namespace mamori::scan {
// Shortens UTF-8 text to at most maxBytes without cutting a character in half.
void cutUtf8(std::string& text, std::size_t maxBytes);
}  // namespace mamori::scan
