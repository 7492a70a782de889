#include "scan/PdfText.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "scan/LegacyText.h"
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

// A string shown by a text operator, with the font resource it was shown in and whether it starts a
// new line (a word split into pieces with different fonts stays one word).
struct Shown {
  std::string font;  // the resource name given to Tf ("F2"), empty if none yet
  std::string bytes;
  bool newLine = false;
  bool gap = false;  // on the same line but far from the previous string: another table cell or column
};

// Glyph widths are not read: a string's advance is estimated at about half an em per byte (single-byte
// subset fonts and two-byte CID codes alike). Only large gaps (table columns) are judged by it.
constexpr double kEmPerByte = 0.55;

// The most bytes one character takes in a shown string: a two-byte CID code, a surrogate pair.
constexpr std::size_t kMaxGlyphBytes = 4;

bool isNumberStart(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'; }

// Text of one content stream; each shown string group (one Tj/TJ/'/" operand list) also goes to
// shown when given, for decoding through its font's ToUnicode CMap (its codes must not be split by
// the newlines the plain text gets). Lines are judged by the text position: pieces shown at the same
// height (LibreOffice starts a text object per font change) are joined without a break.
std::string showText(std::string_view s, std::vector<Shown>* shown) {
  std::string text;
  std::string pending;  // strings read since the last operator: the operands
  std::string name;     // the last name operand
  std::vector<double> numbers;
  std::string font;
  double lineX = 0;
  double lineY = 0;
  double lastY = 0;
  double fontSize = 0;
  double runStartX = 0;       // where the current run of joined strings started
  double endX = 0;            // the estimated end of the last string shown
  double lastStartX = 0;      // where the last string shown started
  std::size_t lastBytes = 0;  // and its length in bytes
  bool moved = false;         // positioned (Td, TD, Tm) since the last string
  bool any = false;
  bool breakNext = false;
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
    } else if (c == '/') {
      const std::size_t start = ++i;
      while (i < s.size() && !isWhite(s[i]) && !isDelimiter(s[i])) ++i;
      name.assign(s.substr(start, i - start));
    } else if (isNumberStart(c)) {
      const std::size_t start = i;
      while (i < s.size() && !isWhite(s[i]) && !isDelimiter(s[i])) ++i;
      if (numbers.size() >= 6) numbers.erase(numbers.begin());
      numbers.push_back(std::strtod(std::string(s.substr(start, i - start)).c_str(), nullptr));
    } else {
      const std::size_t start = i;
      while (i < s.size() && !isWhite(s[i]) && !isDelimiter(s[i])) ++i;
      if (i == start) ++i;  // a stray delimiter
      const std::string_view op = s.substr(start, i - start);
      if (op == "Tj" || op == "TJ" || op == "'" || op == "\"") {
        const double size = std::fabs(fontSize) > 0 ? std::fabs(fontSize) : 12;
        // Vertical writing (Japanese tategaki): one character a string, each placed at the same x and
        // one character lower. The column is one line; lines of horizontal text (many characters each)
        // starting at the same x are not joined.
        const bool downColumn = any && moved && !breakNext && op.size() == 2 && pending.size() <= kMaxGlyphBytes &&
                                lastBytes <= kMaxGlyphBytes && std::fabs(lineX - lastStartX) < 1.0 &&
                                lastY - lineY > 0.5 * size && lastY - lineY < 1.6 * size;
        const bool newLine =
            !downColumn && (!any || breakNext || op == "'" || op == "\"" || std::fabs(lineY - lastY) > 1.0);
        const bool gap =
            !newLine && !downColumn && moved && lineX - endX > std::max(2 * size, 0.3 * (endX - runStartX));
        if (newLine && !text.empty() && text.back() != '\n') text.push_back('\n');
        if (gap) text.push_back('\t');
        text += pending;
        if (shown != nullptr && !pending.empty()) shown->push_back({font, pending, newLine, gap});
        const double startX = moved ? lineX : endX;
        lastStartX = startX;
        lastBytes = pending.size();
        if (newLine || gap) runStartX = startX;
        endX = startX + static_cast<double>(pending.size()) * kEmPerByte * size;
        any = true;
        breakNext = false;
        moved = false;
        lastY = lineY;
      } else if (op == "BT") {
        lineX = lineY = 0;
      } else if ((op == "Td" || op == "TD") && numbers.size() >= 2) {
        lineX += numbers[numbers.size() - 2];
        lineY += numbers.back();
        moved = true;
      } else if (op == "Tm" && numbers.size() >= 6) {
        lineX = numbers[numbers.size() - 2];
        lineY = numbers.back();
        moved = true;
      } else if (op == "T*") {
        breakNext = true;
      } else if (op == "Tf") {
        font = name;
        if (!numbers.empty()) fontSize = numbers.back();
      }
      // Numbers, names and strings are operands, kept only until an operator.
      if (!op.empty() && (std::isalpha(static_cast<unsigned char>(op[0])) != 0 || op == "'" || op == "\"")) {
        pending.clear();
        numbers.clear();
      }
    }
  }
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

// The object number of the object holding position at ("12 0 obj ... at"), or -1.
long objectNumberAt(std::string_view pdf, std::size_t at) {
  const std::size_t obj = pdf.rfind(" obj", at);
  if (obj == std::string_view::npos) return -1;
  std::size_t end = obj;
  while (end > 0 && std::isdigit(static_cast<unsigned char>(pdf[end - 1])) != 0) --end;  // generation
  while (end > 0 && pdf[end - 1] == ' ') --end;
  std::size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(pdf[begin - 1])) != 0) --begin;
  if (begin == end || end - begin > 9) return -1;
  return std::stol(std::string(pdf.substr(begin, end - begin)));
}

// The number of the indirect reference "N 0 R" at the start of s, or -1.
long referenceAt(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && isWhite(s[i])) ++i;
  const std::size_t begin = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
  if (i == begin || i - begin > 9) return -1;
  const long number = std::stol(std::string(s.substr(begin, i - begin)));
  while (i < s.size() && (isWhite(s[i]) || std::isdigit(static_cast<unsigned char>(s[i])) != 0)) ++i;
  return i < s.size() && s[i] == 'R' ? number : -1;
}

// Which font resource name uses which ToUnicode CMap object: /ToUnicode references inside font
// objects, and /Font resource dictionaries naming those objects (a name used for two fonts in
// different pages keeps its first).
std::map<std::string, long> fontCMaps(std::string_view pdf) {
  std::map<long, long> fontToCMap;
  for (std::size_t at = 0; (at = pdf.find("/ToUnicode", at)) != std::string_view::npos && fontToCMap.size() < 4096;
       at += 10) {
    const long font = objectNumberAt(pdf, at);
    const long cmap = referenceAt(pdf.substr(at + 10, 32));
    if (font >= 0 && cmap >= 0) fontToCMap.emplace(font, cmap);
  }
  std::map<std::string, long> names;
  const auto readDict = [&](std::size_t i) {
    while (i < pdf.size() && isWhite(pdf[i])) ++i;
    if (i + 1 >= pdf.size() || pdf[i] != '<' || pdf[i + 1] != '<') return;
    const std::size_t close = pdf.find(">>", i);
    if (close == std::string_view::npos || close - i > 4096) return;
    const std::string_view dict = pdf.substr(i + 2, close - i - 2);
    for (std::size_t k = 0; (k = dict.find('/', k)) != std::string_view::npos;) {
      const std::size_t start = ++k;
      while (k < dict.size() && !isWhite(dict[k]) && !isDelimiter(dict[k])) ++k;
      const auto cmap = fontToCMap.find(referenceAt(dict.substr(k, 24)));
      if (cmap != fontToCMap.end()) names.emplace(std::string(dict.substr(start, k - start)), cmap->second);
    }
  };
  for (std::size_t at = 0; (at = pdf.find("/Font", at)) != std::string_view::npos && names.size() < 4096;) {
    at += 5;
    if (at < pdf.size() && !isWhite(pdf[at]) && !isDelimiter(pdf[at])) continue;  // /FontDescriptor, /FontFile2
    const long object = referenceAt(pdf.substr(at, 24));
    if (object < 0) {
      readDict(at);
      continue;
    }
    // An indirect resource dictionary: "/Font 20 0 R" and "20 0 obj <</F1 9 0 R ...>>".
    const std::string header = std::to_string(object) + " 0 obj";
    for (std::size_t found = 0; (found = pdf.find(header, found)) != std::string_view::npos; ++found) {
      if (found == 0 || isWhite(pdf[found - 1])) {
        readDict(found + header.size());
        break;
      }
    }
  }
  return names;
}

// A PDF text string (a name) as UTF-8: UTF-16BE after FE FF, UTF-8 after its BOM, else Latin-1.
std::string pdfTextString(std::string bytes) {
  std::string text;
  if (bytes.size() >= 2 && bytes[0] == '\xFE' && bytes[1] == '\xFF') {
    for (std::size_t i = 2; i + 1 < bytes.size(); i += 2) std::swap(bytes[i], bytes[i + 1]);
    appendUtf16Le(text, std::string_view(bytes).substr(2));
  } else if (bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    text = bytes.substr(3);
  } else {
    appendLatin1(text, bytes);
  }
  return text;
}

// The text of annotations (a reviewer's comment: its /Contents), which no content stream shows: each
// as a PDF text string, UTF-16BE after its byte order mark, UTF-8 after one, else PDFDocEncoding (read
// as Latin-1), one a line, at most maxBytes in all. A page's "/Contents 5 0 R" is a reference, skipped.
void annotationText(std::string_view pdf, std::size_t maxBytes, std::string& out) {
  std::size_t at = 0;
  std::size_t added = 0;
  while ((at = pdf.find("/Contents", at)) != std::string_view::npos) {
    at += 9;
    while (at < pdf.size() && isWhite(pdf[at])) ++at;
    if (at >= pdf.size()) break;
    std::string bytes;
    if (pdf[at] == '(') {
      at = readLiteral(pdf, at + 1, bytes);
    } else if (pdf[at] == '<' && (at + 1 >= pdf.size() || pdf[at + 1] != '<')) {
      at = readHex(pdf, at + 1, bytes);
    } else {
      continue;
    }
    const std::string text = pdfTextString(std::move(bytes));
    if (text.empty()) continue;
    if (added + text.size() + 1 > maxBytes) break;
    added += text.size() + 1;
    out += text;
    out.push_back('\n');
  }
}

constexpr std::size_t kMaxAttachments = 256;

// The string value of key (/UF, /F) in s, as a file name: its last path component, '!' and control
// characters replaced; empty when there is none.
std::string fileNameIn(std::string_view s, std::string_view key) {
  for (std::size_t at = 0; (at = s.find(key, at)) != std::string_view::npos;) {
    at += key.size();
    if (at < s.size() && !isWhite(s[at]) && !isDelimiter(s[at])) continue;  // "/Filter", "/UFx"
    while (at < s.size() && isWhite(s[at])) ++at;
    std::string bytes;
    if (at < s.size() && s[at] == '(') {
      readLiteral(s, at + 1, bytes);
    } else if (at + 1 < s.size() && s[at] == '<' && s[at + 1] != '<') {
      readHex(s, at + 1, bytes);
    } else {
      continue;
    }
    std::string name = pdfTextString(std::move(bytes));
    const std::size_t slash = name.find_last_of("/\\:");
    if (slash != std::string::npos) name.erase(0, slash + 1);
    for (char& c : name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '!') c = '_';
    }
    if (name.size() > 255) name.resize(255);
    return name;
  }
  return {};
}

// The objects that hold attached files, with their names: the references of every /EF dictionary
// (the file specification around it names the file) and of /AdditionalStreams arrays.
void attachmentRefs(std::string_view pdf, std::map<long, std::string>& refs) {
  for (std::size_t at = 0; (at = pdf.find("/EF", at)) != std::string_view::npos && refs.size() < kMaxAttachments;) {
    at += 3;
    std::size_t open = at;
    while (open < pdf.size() && isWhite(pdf[open])) ++open;
    if (open + 1 >= pdf.size() || pdf[open] != '<' || pdf[open + 1] != '<') continue;
    const std::size_t close = pdf.find(">>", open);
    if (close == std::string_view::npos || close - open > 512) continue;
    // The specification: from its object's start (or 2 KiB back) to its end (or 2 KiB on).
    const std::size_t from = at - 3 > 2048 ? at - 3 - 2048 : 0;
    const std::size_t objStart = pdf.rfind(" obj", at);
    const std::size_t begin = objStart != std::string_view::npos && objStart > from ? objStart : from;
    const std::size_t endobj = pdf.find("endobj", close);
    const std::size_t end = std::min(endobj == std::string_view::npos ? pdf.size() : endobj, close + 2048);
    const std::string_view before = pdf.substr(begin, at - 3 - begin);
    const std::string_view after = pdf.substr(close + 2, std::min(end, pdf.size()) - std::min(close + 2, end));
    std::string name = fileNameIn(before, "/UF");
    if (name.empty()) name = fileNameIn(after, "/UF");
    if (name.empty()) name = fileNameIn(before, "/F");
    if (name.empty()) name = fileNameIn(after, "/F");
    const std::string_view inner = pdf.substr(open + 2, close - open - 2);
    for (std::size_t k = 0; (k = inner.find('/', k)) != std::string_view::npos;) {
      ++k;
      while (k < inner.size() && !isWhite(inner[k]) && !isDelimiter(inner[k])) ++k;
      const long object = referenceAt(inner.substr(k, 24));
      if (object >= 0) refs.emplace(object, name);
    }
  }
  for (std::size_t at = 0; (at = pdf.find("/AdditionalStreams", at)) != std::string_view::npos;) {
    at += 18;
    while (at < pdf.size() && isWhite(pdf[at])) ++at;
    if (at >= pdf.size() || pdf[at] != '[') continue;
    const std::size_t close = pdf.find(']', at);
    if (close == std::string_view::npos || close - at > 1024) continue;
    const std::string_view array = pdf.substr(at + 1, close - at - 1);
    for (std::size_t k = 0; k < array.size() && refs.size() < kMaxAttachments; ++k) {
      if (std::isdigit(static_cast<unsigned char>(array[k])) == 0 ||
          (k > 0 && !isWhite(array[k - 1]) && !isDelimiter(array[k - 1])))
        continue;
      const long object = referenceAt(array.substr(k, 24));
      if (object < 0) continue;
      refs.emplace(object, std::string());
      while (k < array.size() && array[k] != 'R') ++k;
    }
  }
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
  std::map<long, std::size_t> cmapOfObject;  // object number -> index into cmaps
  std::vector<Shown> segments;
  // Attached files: the objects file specifications name (found in the file before the streams are
  // read, and in object streams as they are inflated) and streams that say they are embedded files.
  std::map<long, std::string> attachmentObjects;
  attachmentRefs(pdf, attachmentObjects);
  struct StreamAt {
    std::size_t head;  // where its object's dictionary starts
    std::size_t data;
    std::size_t end;
  };
  std::map<long, StreamAt> streams;  // object number -> its stream, for attachments named later
  std::set<long> attached;
  const auto attach = [&](long object, std::size_t head, std::size_t dataAt, std::size_t end) {
    if (!attached.insert(object).second || result.attachments.size() >= kMaxAttachments) return;
    const std::string_view dict = pdf.substr(head, dataAt - head);
    const std::string_view raw = pdf.substr(dataAt, end - dataAt);
    PdfAttachment file;
    const auto named = attachmentObjects.find(object);
    file.name = named != attachmentObjects.end() && !named->second.empty()
                    ? named->second
                    : "attachment-" + std::to_string(result.attachments.size() + 1);
    if (dict.find("/Filter") == std::string_view::npos) {
      if (raw.size() > budget) {
        result.problems.push_back("PDF attachment " + file.name + " larger than what is left of the extraction budget");
        return;
      }
      file.data.assign(raw);
    } else if (dict.find("/FlateDecode") != std::string_view::npos && !hasOtherFilter(dict)) {
      auto out = inflateBounded(raw, MAX_WBITS, budget);
      if (!out) {
        result.problems.push_back("PDF attachment " + file.name + ": " + out.error().message);
        return;
      }
      file.data = std::move(out).value();
    } else {
      result.problems.push_back("PDF attachment " + file.name + " with a filter that is not decoded");
      return;
    }
    budget -= std::min<std::uint64_t>(budget, file.data.size());
    result.attachments.push_back(std::move(file));
  };
  std::size_t at = 0;
  while ((at = pdf.find("stream", at)) != std::string_view::npos) {
    // "endstream" also contains "stream"; a stream keyword follows the dictionary's ">>".
    if (at >= 3 && pdf.compare(at - 3, 3, "end") == 0) {
      at += 6;
      continue;
    }
    // The keyword ends its line and follows the dictionary (not "/application#2Foctet-stream", which
    // attachments' dictionaries give as their type).
    if (at > 0 && !isWhite(pdf[at - 1]) && pdf[at - 1] != '>') {
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
    const std::size_t objHead = pdf.rfind(" obj", dataAt);
    const long object = objectNumberAt(pdf, dataAt);
    if (object >= 0 && objHead != std::string_view::npos && streams.size() < (1U << 20U)) {
      streams.emplace(object, StreamAt{objHead, dataAt, end});
      const std::string_view head = pdf.substr(objHead, dataAt - objHead);
      const std::size_t type = head.find("/EmbeddedFile");
      const bool embedded = type != std::string_view::npos && (type + 13 >= head.size() || head[type + 13] != 's');
      if (embedded || attachmentObjects.count(object) > 0) {
        // An attached file may hold "endstream" itself (an attached PDF): its direct /Length, when it
        // ends where "endstream" follows, is where it ends.
        std::size_t fileEnd = end;
        const std::size_t length = head.find("/Length");
        if (length != std::string_view::npos && referenceAt(head.substr(length + 7, 24)) < 0) {
          const char* first = head.data() + length + 7;
          char* last = nullptr;
          const unsigned long long bytes = std::strtoull(first, &last, 10);  // stops at the dictionary's end
          std::size_t after = dataAt + static_cast<std::size_t>(std::min<unsigned long long>(bytes, pdf.size()));
          if (last != first && bytes <= pdf.size() - dataAt) {
            while (after < pdf.size() && isWhite(pdf[after])) ++after;
            if (pdf.compare(after, 9, "endstream") == 0 && after >= end) {
              fileEnd = dataAt + static_cast<std::size_t>(bytes);
              at = after + 9;
              streams[object].end = fileEnd;
            }
          }
        }
        attach(object, objHead, dataAt, fileEnd);
        continue;  // a file of its own, not the page's text
      }
    }
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
    // Objects compressed into a stream of objects (PDF 1.5+) hold annotations too.
    if (dict.find("/ObjStm") != std::string_view::npos) {
      annotationText(inflated, static_cast<std::size_t>(budget), result.text);
      attachmentRefs(inflated, attachmentObjects);
      continue;
    }
    if (auto cmap = PdfCMap::parse(inflated)) {
      if (cmaps.size() < kMaxCMaps) {
        cmapOfObject.emplace(objectNumberAt(pdf, dictStart == std::string_view::npos ? at : dictStart), cmaps.size());
        cmaps.push_back(std::move(*cmap));
      }
      continue;
    }
    const std::string text = showText(inflated, &segments);
    if (!text.empty()) {
      result.text += text;
      if (result.text.back() != '\n') result.text.push_back('\n');
    }
  }
  // Attachments whose specification was in an object stream read after them.
  for (const auto& [object, name] : attachmentObjects) {
    const auto stream = streams.find(object);
    if (stream != streams.end()) attach(object, stream->second.head, stream->second.data, stream->second.end);
  }
  // Strings shown in a font whose ToUnicode CMap is known are decoded through it and joined as they
  // stand on the page. The others (a font found through an indirect resource dictionary, say) are
  // decoded through every CMap of the document, each on a line of its own: a document has few fonts,
  // and a wrong CMap gives noise, not a miss.
  const auto names = fontCMaps(pdf);
  std::string joined;
  std::vector<const Shown*> unresolved;
  for (const auto& segment : segments) {
    const auto name = names.find(segment.font);
    const auto cmap = name == names.end() ? cmapOfObject.end() : cmapOfObject.find(name->second);
    if (cmap == cmapOfObject.end()) {
      unresolved.push_back(&segment);
      continue;
    }
    if (segment.newLine && !joined.empty() && joined.back() != '\n') joined.push_back('\n');
    if (segment.gap) joined.push_back('\t');
    joined += cmaps[cmap->second].decode(segment.bytes);
  }
  if (!joined.empty()) {
    result.text += joined;
    result.text.push_back('\n');
  }
  for (const auto& cmap : cmaps) {
    for (const Shown* segment : unresolved) {
      const std::string decoded = cmap.decode(segment->bytes);
      if (decoded.empty()) continue;
      result.text += decoded;
      result.text.push_back('\n');
    }
  }
  annotationText(pdf, static_cast<std::size_t>(std::min<std::uint64_t>(maxInflated, pdf.size())), result.text);
  return result;
}

}  // namespace mamori::scan
