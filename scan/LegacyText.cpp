#include "scan/LegacyText.h"

#include <array>

#include "common/Utf8.h"

namespace mamori::scan {

namespace {
// Windows-1252's 0x80-0x9F (the rest of its upper half is Latin-1); 0 where it has no character.
constexpr std::array<std::uint16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                       0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                       0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                       0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
}  // namespace

std::uint32_t cp1252ToUnicode(unsigned char byte) {
  if (byte < 0x80 || byte >= 0xA0) return byte;
  const std::uint32_t cp = kCp1252High[byte - 0x80];
  return cp == 0 ? 0xFFFDU : cp;
}

void appendLatin1(std::string& out, std::string_view bytes) {
  for (const char c : bytes) common::appendUtf8(out, static_cast<unsigned char>(c));
}

void appendCp1252(std::string& out, std::string_view bytes) {
  for (const char c : bytes) common::appendUtf8(out, cp1252ToUnicode(static_cast<unsigned char>(c)));
}

}  // namespace mamori::scan

namespace mamori::scan {
void cutUtf8(std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return;
  std::size_t end = maxBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
}
}  // namespace mamori::scan
