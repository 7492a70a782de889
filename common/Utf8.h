#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mamori::common {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). PostgreSQL refuses anything
// else in text columns, so outside input is checked before it is stored.
bool isValidUtf8(std::string_view text);

// Appends the UTF-8 encoding of a code point; surrogates and values above U+10FFFF become U+FFFD,
// so whatever a decoder hands in, the output stays valid UTF-8.
void appendUtf8(std::string& out, std::uint32_t codePoint);

}  // namespace mamori::common
