#include "scan/PdfCMap.h"

#include <vector>

#include "common/Utf8.h"

namespace mamori::scan {

namespace {

// A hostile CMap could declare ranges of millions of codes: beyond this many mappings it is cut.
constexpr std::size_t kMaxMappings = 1U << 16U;  // a 2-byte CID font has at most 65536 glyphs

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Token {
  enum Kind { kHex, kWord, kOpenArray, kCloseArray, kEnd } kind = kEnd;
  std::string bytes;  // decoded hex string or the word
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  Token next() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '%') {
        while (i_ < s_.size() && s_[i_] != '\n' && s_[i_] != '\r') ++i_;
      } else if (c == '<' && i_ + 1 < s_.size() && s_[i_ + 1] != '<') {
        Token t{Token::kHex, {}};
        int high = -1;
        for (++i_; i_ < s_.size() && s_[i_] != '>'; ++i_) {
          const int v = hexDigit(s_[i_]);
          if (v < 0) continue;
          if (high < 0) {
            high = v;
          } else {
            t.bytes.push_back(static_cast<char>(high * 16 + v));
            high = -1;
          }
        }
        ++i_;
        return t;
      } else if (c == '[') {
        ++i_;
        return {Token::kOpenArray, {}};
      } else if (c == ']') {
        ++i_;
        return {Token::kCloseArray, {}};
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '<' || c == '>' || c == '\f' || c == '\0') {
        ++i_;
      } else {
        const std::size_t start = i_;
        while (i_ < s_.size() && std::string_view(" \n\r\t<>[]%\f").find(s_[i_]) == std::string_view::npos) ++i_;
        return {Token::kWord, std::string(s_.substr(start, i_ - start))};
      }
    }
    return {};
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

std::uint32_t codeValue(const std::string& bytes) {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < bytes.size() && k < 4; ++k) v = (v << 8U) | static_cast<unsigned char>(bytes[k]);
  return v;
}

// A bfchar/bfrange destination: UTF-16BE, surrogate pairs included.
std::string utf16beToUtf8(const std::string& bytes) {
  std::string out;
  for (std::size_t k = 0; k + 1 < bytes.size(); k += 2) {
    std::uint32_t u = (static_cast<unsigned char>(bytes[k]) << 8U) | static_cast<unsigned char>(bytes[k + 1]);
    if (u >= 0xD800 && u < 0xDC00 && k + 3 < bytes.size()) {
      const std::uint32_t low =
          (static_cast<unsigned char>(bytes[k + 2]) << 8U) | static_cast<unsigned char>(bytes[k + 3]);
      if (low >= 0xDC00 && low < 0xE000) {
        u = 0x10000 + ((u - 0xD800) << 10U) + (low - 0xDC00);
        k += 2;
      }
    }
    common::appendUtf8(out, u);
  }
  return out;
}

// The destination for code lo+offset in a range whose first destination is dst: the last UTF-16 unit
// is incremented (PDF 32000-1, 9.10.3).
std::string rangeDestination(std::string dst, std::uint32_t offset) {
  if (dst.size() >= 2) {
    const std::uint32_t last =
        (static_cast<unsigned char>(dst[dst.size() - 2]) << 8U) | static_cast<unsigned char>(dst[dst.size() - 1]);
    const std::uint32_t next = (last + offset) & 0xFFFFU;
    dst[dst.size() - 2] = static_cast<char>(next >> 8U);
    dst[dst.size() - 1] = static_cast<char>(next & 0xFFU);
  }
  return utf16beToUtf8(dst);
}

}  // namespace

std::optional<PdfCMap> PdfCMap::parse(std::string_view stream) {
  if (stream.find("beginbf") == std::string_view::npos) return std::nullopt;
  PdfCMap cmap;
  Lexer lexer(stream);
  std::vector<Token> operands;
  for (Token t = lexer.next(); t.kind != Token::kEnd && cmap.map_.size() < kMaxMappings; t = lexer.next()) {
    if (t.kind != Token::kWord) {
      operands.push_back(std::move(t));
      continue;
    }
    if (t.bytes == "endcodespacerange" && !operands.empty() && operands[0].kind == Token::kHex) {
      const std::size_t width = operands[0].bytes.size();
      if (width >= 1 && width <= 4) cmap.codeBytes_ = width;
    } else if (t.bytes == "endbfchar") {
      for (std::size_t k = 0; k + 1 < operands.size(); k += 2) {
        if (operands[k].kind != Token::kHex || operands[k + 1].kind != Token::kHex) continue;
        cmap.map_[codeValue(operands[k].bytes)] = utf16beToUtf8(operands[k + 1].bytes);
      }
    } else if (t.bytes == "endbfrange") {
      for (std::size_t k = 0; k + 2 < operands.size() && cmap.map_.size() < kMaxMappings;) {
        if (operands[k].kind != Token::kHex || operands[k + 1].kind != Token::kHex) {
          ++k;
          continue;
        }
        const std::uint32_t lo = codeValue(operands[k].bytes);
        const std::uint32_t hi = codeValue(operands[k + 1].bytes);
        if (operands[k + 2].kind == Token::kHex) {
          for (std::uint32_t code = lo; code <= hi && code - lo < kMaxMappings && cmap.map_.size() < kMaxMappings;
               ++code) {
            cmap.map_[code] = rangeDestination(operands[k + 2].bytes, code - lo);
          }
          k += 3;
        } else if (operands[k + 2].kind == Token::kOpenArray) {
          std::size_t j = k + 3;
          for (std::uint32_t code = lo; j < operands.size() && operands[j].kind == Token::kHex; ++j, ++code) {
            if (code <= hi) cmap.map_[code] = utf16beToUtf8(operands[j].bytes);
          }
          k = j < operands.size() ? j + 1 : j;
        } else {
          k += 3;
        }
      }
    }
    if (t.bytes.rfind("begin", 0) == 0 || t.bytes.rfind("end", 0) == 0) operands.clear();
  }
  if (cmap.map_.empty()) return std::nullopt;
  return cmap;
}

std::string PdfCMap::decode(std::string_view codes) const {
  std::string out;
  for (std::size_t k = 0; k + codeBytes_ <= codes.size(); k += codeBytes_) {
    std::uint32_t code = 0;
    for (std::size_t b = 0; b < codeBytes_; ++b) code = (code << 8U) | static_cast<unsigned char>(codes[k + b]);
    if (const auto it = map_.find(code); it != map_.end()) out += it->second;
  }
  return out;
}

}  // namespace mamori::scan
