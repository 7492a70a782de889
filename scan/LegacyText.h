#pragma once
// Character data as legacy binary formats store it (Office 97-2003 files, Outlook .msg, RTF), appended
// to UTF-8 text: UTF-16LE code units, Latin-1 ("compressed" Unicode: the high byte left out) and
// Windows-1252 bytes. Pure; odd trailing bytes and lone surrogates become U+FFFD, never a crash.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/LittleEndian.h"
#include "common/Utf8.h"

namespace mamori::scan {

// Windows-1252's character for a byte; U+FFFD for the five bytes it leaves undefined.
std::uint32_t cp1252ToUnicode(unsigned char byte);

void appendLatin1(std::string& out, std::string_view bytes);
void appendCp1252(std::string& out, std::string_view bytes);

using common::appendUtf16Le;  // common/Utf8.h
using common::le16;
using common::le32;
using common::le64;
using common::utf16LeAt;

}  // namespace mamori::scan

namespace mamori::scan {
// Shortens UTF-8 text to at most maxBytes without cutting a character in half.
void cutUtf8(std::string& text, std::size_t maxBytes);
}  // namespace mamori::scan
