#include "scan/PdfText.h"

#include <zlib.h>

#include <cctype>
#include <vector>

#include "scan/PdfCMap.h"
#include "scan/ZipReader.h"

namespace mamori::scan {

namespace {

constexpr std::size_t kMaxCMaps = 8;

bool isWhite(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }
bool isDelimiter(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '/' || c == '%' || c == '{' ||
         c == '}';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A literal string starting after '('; returns the index after its closing ')'.
std::size_t readLiteral(std::string_view s, std::size_t i, std::string& out) {
  int depth = 1;
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i;
    } else if (c == '\\' && i < s.size()) {
      const char e = s[i++];
      switch (e) {
        case 'n': out.push_back('\n'); continue;
        case 'r': out.push_back('\r'); continue;
        case 't': out.push_back('\t'); continue;
        case 'b': out.push_back('\b'); continue;
        case 'f': out.push_back('\f'); continue;
        case '\r':
          if (i < s.size() && s[i] == '\n') ++i;
          continue;
        case '\n': continue;
        default: break;
      }
      if (e >= '0' && e <= '7') {
        int v = e - '0';
        for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k) v = v * 8 + (s[i++] - '0');
        out.push_back(static_cast<char>(v & 0xFF));
        continue;
      }
      out.push_back(e);
      continue;
    }
    out.push_back(c);
  }
  return i;
}

// A hex string starting after '<'; returns the index after '>'.
std::size_t readHex(std::string_view s, std::size_t i, std::string& out) {
  int high = -1;
  while (i < s.size() && s[i] != '>') {
    const int v = hexValue(s[i++]);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) out.push_back(static_cast<char>(high * 16));
  return i < s.size() ? i + 1 : i;
}

// Filters we do not decode, which would leave the data unreadable after inflation.
bool hasOtherFilter(std::string_view dict) {
  for (const char* name : {"/ASCII85Decode", "/ASCIIHexDecode", "/LZWDecode", "/RunLengthDecode", "/Crypt"}) {
    if (dict.find(name) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

namespace {

// Text of one content stream; each shown string group (one Tj/TJ/'/" operand list) also goes to
// segments when given, for decoding through a ToUnicode CMap (its codes must not be split by the
// newlines the plain text gets).
std::string showText(std::string_view s, std::vector<std::string>* segments) {
  std::string text;
  std::string pending;  // strings read since the last operator: the operands
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (isWhite(c) || c == '[' || c == ']') {
      ++i;
    } else if (c == '%') {
      while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
    } else if (c == '(') {
      i = readLiteral(s, i + 1, pending);
    } else if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == c) {
      i += 2;  // dictionary brackets
    } else if (c == '<') {
      i = readHex(s, i + 1, pending);
    } else {
      const std::size_t start = i;
      while (i < s.size() && !isWhite(s[i]) && !isDelimiter(s[i])) ++i;
      if (i == start) ++i;  // a stray delimiter
      const std::string_view op = s.substr(start, i - start);
      if (op == "Tj" || op == "TJ" || op == "'" || op == "\"") {
        if (op != "Tj" && op != "TJ") text.push_back('\n');  // ' and " move to the next line first
        text += pending;
        if (segments != nullptr && !pending.empty()) segments->push_back(pending);
      } else if (op == "ET" || op == "T*" || op == "Td" || op == "TD") {
        if (!text.empty() && text.back() != '\n') text.push_back('\n');
      }
      // Numbers and names are operands; only strings are kept, and they only until an operator.
      if (!op.empty() && (std::isalpha(static_cast<unsigned char>(op[0])) != 0 || op == "'" || op == "\""))
        pending.clear();
    }
  }
  return text;
}

}  // namespace

std::string contentStreamText(std::string_view s) { return showText(s, nullptr); }

PdfTextResult pdfText(std::string_view pdf, std::uint64_t maxInflated) {
  PdfTextResult result;
  if (pdf.find("/Encrypt") != std::string_view::npos) {
    result.encrypted = true;
    return result;
  }
  std::uint64_t budget = maxInflated;
  std::vector<PdfCMap> cmaps;
  std::vector<std::string> segments;
  std::size_t at = 0;
  while ((at = pdf.find("stream", at)) != std::string_view::npos) {
    // "endstream" also contains "stream"; a stream keyword follows the dictionary's ">>".
    if (at >= 3 && pdf.compare(at - 3, 3, "end") == 0) {
      at += 6;
      continue;
    }
    std::size_t dataAt = at + 6;
    if (dataAt < pdf.size() && pdf[dataAt] == '\r') ++dataAt;
    if (dataAt < pdf.size() && pdf[dataAt] == '\n') ++dataAt;
    const std::size_t dictStart = pdf.rfind("<<", at);
    const std::size_t objStart = pdf.rfind(" obj", at);
    const std::string_view dict =
        dictStart == std::string_view::npos || (objStart != std::string_view::npos && dictStart < objStart)
            ? std::string_view{}
            : pdf.substr(dictStart, at - dictStart);
    const std::size_t end = pdf.find("endstream", dataAt);
    if (end == std::string_view::npos) {
      result.problems.push_back("PDF stream without endstream (truncated?)");
      break;
    }
    at = end + 9;
    const std::string_view raw = pdf.substr(dataAt, end - dataAt);
    if (dict.find("/Subtype/Image") != std::string_view::npos ||
        dict.find("/Subtype /Image") != std::string_view::npos) {
      continue;  // pictures hold no text
    }
    std::string inflated;
    if (dict.find("/Filter") == std::string_view::npos) {
      inflated.assign(raw);
    } else if (dict.find("/FlateDecode") != std::string_view::npos && !hasOtherFilter(dict)) {
      auto out = inflateBounded(raw, MAX_WBITS, budget);
      if (!out) {
        result.problems.push_back("PDF stream: " + out.error().message);
        continue;
      }
      inflated = std::move(out).value();
    } else if (dict.find("/DCTDecode") != std::string_view::npos || dict.find("/JPXDecode") != std::string_view::npos ||
               dict.find("/CCITTFaxDecode") != std::string_view::npos ||
               dict.find("/JBIG2Decode") != std::string_view::npos) {
      continue;  // image codecs
    } else {
      result.problems.push_back("PDF stream with a filter chain that is not decoded");
      continue;
    }
    budget -= std::min<std::uint64_t>(budget, inflated.size());
    if (auto cmap = PdfCMap::parse(inflated)) {
      if (cmaps.size() < kMaxCMaps) cmaps.push_back(std::move(*cmap));
      continue;
    }
    const std::string text = showText(inflated, &segments);
    if (!text.empty()) {
      result.text += text;
      if (result.text.back() != '\n') result.text.push_back('\n');
    }
  }
  // Which font shows which string is not tracked: every string is decoded through every CMap (a
  // document has few fonts), so text shown through a CID font is found whatever font it used.
  for (const auto& cmap : cmaps) {
    for (const auto& segment : segments) {
      const std::string decoded = cmap.decode(segment);
      if (decoded.empty()) continue;
      result.text += decoded;
      result.text.push_back('\n');
    }
  }
  return result;
}

}  // namespace mamori::scan
