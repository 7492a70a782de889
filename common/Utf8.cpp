#include "common/Utf8.h"

#include <cstdint>

#include "common/LittleEndian.h"

namespace mamori::common {

std::size_t decodeUtf8(std::string_view text, std::size_t at, std::uint32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + at;  // NOLINT: byte view
  const std::size_t left = text.size() - at;
  const unsigned char c = *p;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t extra = 0;
  std::uint32_t min = 0;
  if ((c & 0xE0U) == 0xC0U) {
    extra = 1;
    cp = c & 0x1FU;
    min = 0x80;
  } else if ((c & 0xF0U) == 0xE0U) {
    extra = 2;
    cp = c & 0x0FU;
    min = 0x800;
  } else if ((c & 0xF8U) == 0xF0U) {
    extra = 3;
    cp = c & 0x07U;
    min = 0x10000;
  } else {
    return 0;
  }
  if (left <= extra) return 0;
  for (std::size_t i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0U) != 0x80U) return 0;
    cp = (cp << 6U) | (p[i] & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

namespace {
bool invisibleOrDirectional(std::uint32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF;
}

std::string codePointName(std::uint32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string digits;
  for (int shift = cp > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) digits.push_back(kHex[(cp >> shift) & 0xFU]);
  return "U+" + digits;
}
}  // namespace

bool isLineControl(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029; }

std::string capUtf8(std::string text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

std::string visibleText(std::string_view text) {
  return rewriteCodePoints(text, [](std::string& out, std::uint32_t cp) {
    if (cp >= kNotUtf8) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const std::uint32_t byte = cp - kNotUtf8;
      out += "<0x";
      out.push_back(kHex[byte >> 4U]);
      out.push_back(kHex[byte & 0xFU]);
      out += '>';
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || invisibleOrDirectional(cp)) {
      out += "<" + codePointName(cp) + ">";
    } else {
      return false;
    }
    return true;
  });
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  }
}

std::uint32_t utf16LeAt(std::string_view bytes, std::size_t& unit) {
  const std::size_t units = bytes.size() / 2;
  std::uint32_t cp = le16(bytes, unit * 2);
  ++unit;
  if (cp >= 0xD800 && cp < 0xDC00 && unit < units) {
    const std::uint32_t low = le16(bytes, unit * 2);
    if (low >= 0xDC00 && low < 0xE000) {
      ++unit;
      return 0x10000U + ((cp - 0xD800U) << 10U) + (low - 0xDC00U);
    }
  }
  return cp;  // a lone surrogate: appendUtf8 writes U+FFFD for it
}

void appendUtf16Le(std::string& out, std::string_view bytes) {
  for (std::size_t unit = 0; unit < bytes.size() / 2;) appendUtf8(out, utf16LeAt(bytes, unit));
  if (bytes.size() % 2 != 0) appendUtf8(out, 0xFFFD);
}

}  // namespace mamori::common
