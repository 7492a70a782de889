#include "fingerprint/EdmValues.h"

#include <algorithm>
#include <array>

#include "common/Utf8.h"
#include "fingerprint/TextNormalizer.h"

namespace mamori::fingerprint {

namespace {

struct TypeInfo {
  EdmType type;
  std::string_view name;
  EdmKind kind;
  bool strong;
};

constexpr std::array<TypeInfo, 10> kTypes = {{
    {EdmType::kName, "name", EdmKind::kName, false},
    {EdmType::kKana, "kana", EdmKind::kName, false},
    {EdmType::kPhone, "phone", EdmKind::kPhone, true},
    {EdmType::kEmail, "email", EdmKind::kEmail, true},
    {EdmType::kMyNumber, "mynumber", EdmKind::kDigits, true},
    {EdmType::kCard, "card", EdmKind::kDigits, true},
    {EdmType::kNumber, "number", EdmKind::kDigits, true},
    {EdmType::kAddress, "address", EdmKind::kAddress, true},
    {EdmType::kText, "text", EdmKind::kText, false},
    {EdmType::kSkip, "skip", EdmKind::kText, false},
}};

// The code point at text[at] (U+FFFD for bytes that are not UTF-8) and the bytes it takes (at least 1).
std::size_t next(std::string_view text, std::size_t at, std::uint32_t& c) {
  if (static_cast<unsigned char>(text[at]) < 0x80) {  // most of a phone, a number or an e-mail
    c = static_cast<unsigned char>(text[at]);
    return 1;
  }
  const std::size_t length = common::decodeUtf8(text, at, c);
  if (length > 0) return length;
  c = 0xFFFD;
  return 1;
}

const TypeInfo& info(EdmType type) { return kTypes[static_cast<std::size_t>(type)]; }

bool isSeparator(std::uint32_t c) {
  switch (c) {
    case ' ':
    case '\t':
    case '-':
    case '.':
    case 0x3000:
    case 0x00A0:
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
    case 0x30FC:
    case 0xFF0D:
    case 0xFF0E: return true;
    default: return false;
  }
}

// What digitsInto does with an ASCII byte: 1 a digit (kept), 2 a separator (skipped), 3 a
// parenthesis, 4 '+', 0 anything else (the text is no phone or number).
constexpr std::array<std::uint8_t, 128> kDigitsAscii = [] {
  std::array<std::uint8_t, 128> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = 1;
  for (const unsigned char c : {' ', '\t', '-', '.'}) table[c] = 2;
  table['('] = table[')'] = 3;
  table['+'] = 4;
  return table;
}();

// digitsInto of ASCII text, byte by byte through kDigitsAscii (most phones and numbers a file holds);
// a byte that is not ASCII before the answer is known: ~0U (digitsInto reads the text again).
unsigned asciiDigitsInto(std::string_view text, std::string& out) {
  out.resize(text.size());
  char* const begin = out.data();
  char* o = begin;
  bool plus = false, phoneOnly = false;
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80) return ~0U;
    switch (kDigitsAscii[b]) {
      case 1: *o++ = ch; break;
      case 2: break;
      case 3: phoneOnly = true; break;
      case 4:
        if (o != begin || plus) return 0;
        plus = phoneOnly = true;
        break;
      default: return 0;
    }
  }
  out.resize(static_cast<std::size_t>(o - begin));
  if (plus && out.starts_with("81")) out.replace(0, 2, "0");
  return kEdmAsPhone | (phoneOnly ? 0U : kEdmAsDigits);
}

// Digits of text (ASCII and full-width) into out, as a phone and as a number at once (kEdmAsPhone,
// kEdmAsDigits; before their counts of digits are checked): a number holds only digits and separators,
// a phone also parentheses and a leading '+' (a leading +81 is read as 0; out is then only a phone).
// ASCII text by asciiDigitsInto; every other by the loop below, the reference the tests compare it with.
unsigned digitsInto(std::string_view text, std::string& out) {
  if (const unsigned ascii = asciiDigitsInto(text, out); ascii != ~0U) return ascii;
  out.clear();
  bool plus = false, phoneOnly = false;
  for (std::size_t at = 0; at < text.size();) {
    std::uint32_t c = 0;
    at += next(text, at, c);
    if (c >= 0xFF10 && c <= 0xFF19) c = c - 0xFF10 + '0';
    if (c >= '0' && c <= '9') {
      out.push_back(static_cast<char>(c));
    } else if (isSeparator(c)) {
      continue;
    } else if (c == '(' || c == ')' || c == 0xFF08 || c == 0xFF09) {
      phoneOnly = true;  // a phone number's parentheses
    } else if ((c == '+' || c == 0xFF0B) && out.empty() && !plus) {
      plus = phoneOnly = true;
    } else {
      return 0;
    }
  }
  // +81 (Japan's country code) is written for the leading 0 of the national number.
  if (plus && out.starts_with("81")) out.replace(0, 2, "0");
  return kEdmAsPhone | (phoneOnly ? 0U : kEdmAsDigits);
}

// Per ASCII character, the character an e-mail value holds for it (lower case), or 0 when an e-mail
// holds none: [a-z0-9._%+-@].
constexpr std::array<char, 128> kEmailChars = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    const int lower = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    const bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '.' || lower == '_' ||
                    lower == '%' || lower == '+' || lower == '-' || lower == '@';
    table[static_cast<std::size_t>(c)] = ok ? static_cast<char>(lower) : '\0';
  }
  return table;
}();

bool emailInto(std::string_view text, std::string& out) {
  out.resize(text.size());  // every character makes at most one byte
  std::size_t length = 0;
  std::size_t at_sign = std::string::npos;
  for (std::size_t at = 0; at < text.size();) {
    std::uint32_t c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) {
      ++at;
    } else {
      at += next(text, at, c);
      if (c < 0xFF01 || c > 0xFF5E) return false;
      c -= 0xFEE0;  // full-width ASCII
    }
    const char folded = kEmailChars[c];
    if (folded == '\0') return false;
    if (folded == '@') {
      if (at_sign != std::string::npos) return false;
      at_sign = length;
    }
    out[length++] = folded;
  }
  out.resize(length);
  if (at_sign == std::string::npos || at_sign == 0 || out.size() > 254) return false;
  const std::size_t dot = out.rfind('.');
  return dot != std::string::npos && dot >= at_sign + 2 && dot + 2 <= out.size();
}

bool isAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool startsAt(std::string_view text, std::size_t i, std::string_view what) {
  return text.substr(i, what.size()) == what;
}

// The address value of normalised text (UTF-8): 丁目, 番地, 番 and 号 right after a digit are only
// separators of the block numbers and are dropped. Answers its length in characters.
std::size_t addressInto(std::string_view text, std::string& out) {
  out.clear();
  std::size_t length = 0;
  bool afterDigit = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (afterDigit && lead >= 0xE4 && lead <= 0xE7 && (startsAt(text, i, "丁目") || startsAt(text, i, "番地"))) {
      i += std::string_view("丁目").size();
      continue;
    }
    if (afterDigit && lead >= 0xE4 && lead <= 0xE7 && (startsAt(text, i, "番") || startsAt(text, i, "号"))) {
      i += std::string_view("番").size();
      continue;
    }
    const std::size_t bytes = std::min<std::size_t>(lead < 0x80   ? 1
                                                    : lead < 0xE0 ? 2
                                                    : lead < 0xF0 ? 3
                                                                  : 4,
                                                    text.size() - i);
    out.append(text.substr(i, bytes));
    afterDigit = lead >= '0' && lead <= '9';
    ++length;
    i += bytes;
  }
  return length;
}

}  // namespace

std::optional<EdmType> edmTypeFromName(std::string_view name) {
  for (const auto& t : kTypes)
    if (t.name == name) return t.type;
  return std::nullopt;
}

std::string_view edmTypeName(EdmType type) { return info(type).name; }
EdmKind edmKind(EdmType type) { return info(type).kind; }
bool edmTypeIsStrong(EdmType type) { return info(type).strong; }

std::string_view edmDomain(EdmKind kind) {
  switch (kind) {
    case EdmKind::kName: return "edm:name";
    case EdmKind::kPhone: return "edm:phone";
    case EdmKind::kEmail: return "edm:email";
    case EdmKind::kDigits: return "edm:digits";
    case EdmKind::kAddress: return "edm:address";
    case EdmKind::kText: break;
  }
  return "edm:text";
}

bool edmValueOf(EdmKind kind, const NormalizedUtf8& text, std::string& scratch, std::string_view& value) {
  switch (kind) {
    case EdmKind::kName:
      if (text.chars < 2 || text.chars > 48 || text.digit) return false;
      value = text.utf8;
      return true;
    case EdmKind::kAddress:
      if (!text.digit) {  // nothing to drop
        if (text.chars < 4) return false;
        value = text.utf8;
        return true;
      }
      if (addressInto(text.utf8, scratch) < 4) return false;
      value = scratch;
      return true;
    case EdmKind::kText:
      if (text.chars < 2) return false;
      value = text.utf8;
      return true;
    default: return false;
  }
}

bool edmValueInto(EdmKind kind, std::u32string_view normalized, std::string& out) {
  std::string utf8;
  appendUtf8(utf8, normalized);
  std::string scratch;
  std::string_view value;
  if (!edmValueOf(kind, {utf8, normalized.size(), std::any_of(normalized.begin(), normalized.end(), isAsciiDigit)},
                  scratch, value))
    return false;
  out.assign(value);
  return true;
}

std::optional<std::string> edmValueFromNormalized(EdmKind kind, const std::u32string& normalized) {
  std::string out;
  if (!edmValueInto(kind, normalized, out)) return std::nullopt;
  return out;
}

std::optional<std::string> normalizeEdmValue(EdmKind kind, std::string_view text) {
  switch (kind) {
    case EdmKind::kPhone:
    case EdmKind::kDigits:
    case EdmKind::kEmail: {
      std::string out;
      if (!normalizeEdmValueInto(kind, text, out)) return std::nullopt;
      return out;
    }
    case EdmKind::kName:
    case EdmKind::kAddress:
    case EdmKind::kText:
      if (text.empty() || text.size() > 512) return std::nullopt;
      return edmValueFromNormalized(kind, normalizeText(text));
  }
  return std::nullopt;
}

bool normalizeEdmValueInto(EdmKind kind, std::string_view text, std::string& out) {
  if (text.empty() || text.size() > 512) return false;
  switch (kind) {
    case EdmKind::kPhone:
    case EdmKind::kDigits:
      return (normalizeEdmDigitsInto(text, out) & (kind == EdmKind::kPhone ? kEdmAsPhone : kEdmAsDigits)) != 0;
    case EdmKind::kEmail: return emailInto(text, out);
    case EdmKind::kName:
    case EdmKind::kAddress:
    case EdmKind::kText: {
      auto value = normalizeEdmValue(kind, text);
      if (!value) return false;
      out = std::move(*value);
      return true;
    }
  }
  return false;
}

unsigned normalizeEdmDigitsInto(std::string_view text, std::string& out) {
  if (text.empty() || text.size() > 512) return 0;
  unsigned kinds = digitsInto(text, out);
  if (out.size() < 8 || out.size() > 15) kinds &= ~kEdmAsPhone;
  if (out.size() < 4 || out.size() > 19) kinds &= ~kEdmAsDigits;
  return kinds;
}

std::vector<std::string> edmCellValues(EdmType type, std::string_view cell) {
  std::vector<std::string> out;
  if (type == EdmType::kSkip) return out;
  const EdmKind kind = edmKind(type);
  auto value = normalizeEdmValue(kind, cell);
  if (!value) return out;
  if (type == EdmType::kMyNumber && value->size() != 12) return out;
  if (type == EdmType::kCard && value->size() < 13) return out;
  out.push_back(*value);
  if (kind != EdmKind::kName) return out;
  // Two words: the other order too.
  std::vector<std::string_view> words;
  std::size_t from = 0;
  for (std::size_t at = 0; at <= cell.size();) {
    std::uint32_t c = 0;
    const std::size_t length = at < cell.size() ? next(cell, at, c) : 1;
    if (at == cell.size() || c == ' ' || c == 0x3000 || c == '\t') {
      if (at > from) words.push_back(cell.substr(from, at - from));
      from = at + length;
    }
    at += length;
  }
  if (words.size() == 2) {
    auto swapped = normalizeEdmValue(kind, std::string(words[1]) + " " + std::string(words[0]));
    if (swapped && *swapped != *value) out.push_back(*swapped);
  }
  return out;
}

}  // namespace mamori::fingerprint
