#include "scan/XmlText.h"

#include <cstring>

#include "common/Utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mamori::scan {

namespace {

// Local names (namespace prefix removed) whose end separates text: Word/Drawing paragraphs, Excel
// shared strings, cells and rows, table cells, OpenDocument paragraphs and headings, breaks and tabs.
// Every tag of a document asks this, so it switches on the length before comparing (issue 17's Office
// figure: a loop over the names called memcmp for most tags).
bool breaks(std::string_view localName) {
  switch (localName.size()) {
    case 1: {
      const char c = localName[0];
      return c == 'p' || c == 'c' || c == 'h' || c == 's' || c == 'v';
    }
    case 2:
      return localName == "si" || localName == "tc" || localName == "tr" || localName == "br" || localName == "cr";
    case 3: return localName == "row" || localName == "tab";
    case 10: return localName == "table-cell" || localName == "line-break";
    default: return false;
  }
}

// The local name of a tag (the text after '<' or '</'): up to the first blank or '/', without its
// namespace prefix. One plain loop, as find_first_of and find(':') each called memchr per tag.
std::string_view tagLocalName(std::string_view tag) {
  std::size_t at = 0;
  std::size_t start = 0;
  while (at < tag.size() && tag[at] != ' ' && tag[at] != '\t' && tag[at] != '\r' && tag[at] != '\n' && tag[at] != '/') {
    if (tag[at] == ':' && start == 0) start = at + 1;
    ++at;
  }
  return tag.substr(start, at - start);
}

// The first of a or b in xml from i, or xml.size(): 16 bytes at a time with SSE2. Runs of text end at
// '<' or '&' (this scan is most of the extraction's cost on Office text, decision 0053's figures);
// tags end at '>' (searched the same way: memchr through the library call cost more than the short
// tags it searched, decision 0059).
inline std::size_t findEither(std::string_view xml, std::size_t i, char a, char b) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  while (i + 16 <= xml.size()) {
    __m128i block;
    std::memcpy(&block, xml.data() + i, 16);
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, va), _mm_cmpeq_epi8(block, vb)));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    i += 16;
  }
#endif
  while (i < xml.size() && xml[i] != a && xml[i] != b) ++i;
  return i;
}

// Whether a start tag's attributes hold t="s" (or t='s'): a spreadsheet cell whose value is an index
// into the shared strings, not text.
bool sharedStringCell(std::string_view tag) {
  for (std::size_t p = 1; p + 5 <= tag.size(); ++p) {
    if (tag[p] != 't' || (tag[p - 1] != ' ' && tag[p - 1] != '\t' && tag[p - 1] != '\r' && tag[p - 1] != '\n'))
      continue;
    const std::string_view value = tag.substr(p + 1, 4);
    if (value == "=\"s\"" || value == "='s'") return true;
  }
  return false;
}

bool shortDigits(std::string_view run) {
  if (run.empty() || run.size() > 6) return false;
  for (const char c : run)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::size_t appendXmlEntity(std::string& out, std::string_view text, std::size_t i) {
  const std::size_t semi = text.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) {
    out.push_back('&');
    return 1;
  }
  const std::string_view name = text.substr(i + 1, semi - i - 1);
  if (name == "amp")
    out.push_back('&');
  else if (name == "lt")
    out.push_back('<');
  else if (name == "gt")
    out.push_back('>');
  else if (name == "quot")
    out.push_back('"');
  else if (name == "apos")
    out.push_back('\'');
  else if (name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    unsigned long cp = 0;
    for (char c : name.substr(hex ? 2 : 1)) {
      int v = -1;
      if (c >= '0' && c <= '9')
        v = c - '0';
      else if (hex && c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
      if (v < 0 || cp > 0x10FFFF) {
        cp = 0xFFFD;
        break;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v);
    }
    // A NUL from a character reference would end C strings downstream: replace it like any bad value.
    common::appendUtf8(out, cp == 0 || cp > 0x10FFFF ? 0xFFFDU : static_cast<std::uint32_t>(cp));
  } else {
    out.append(text.substr(i, semi - i + 1));
  }
  return semi - i + 1;
}

std::string xmlText(std::string_view xml) {
  std::string out;
  out.reserve(xml.size() / 4);
  std::size_t i = 0;
  // A spreadsheet cell <c t="s"> holds in its <v> the index of its text in the shared strings, which
  // are extracted themselves: an index (up to 6 digits, nothing a detector reads as a number) is not
  // text. Anything else there is kept.
  bool inSharedStringCell = false;
  bool inIndex = false;
  while (i < xml.size()) {
    // Copy the run of plain text up to the next markup in one go: this scan is the extraction cost.
    // (Not find_first_of: it calls memchr over the needle set for every byte.)
    const std::size_t textEnd = findEither(xml, i, '<', '&');
    const std::string_view run = xml.substr(i, textEnd - i);
    if (!(inIndex && textEnd < xml.size() && xml[textEnd] == '<' && shortDigits(run))) out.append(run);
    inIndex = false;
    i = textEnd;
    if (i >= xml.size()) break;
    if (xml[i] == '&') {
      i += appendXmlEntity(out, xml, i);
      continue;
    }
    // Comments, CDATA, processing instructions and declarations (all start "<!" or "<?").
    const bool bang = i + 1 < xml.size() && xml[i + 1] == '!';
    if (bang && xml.compare(i, 4, "<!--") == 0) {
      const std::size_t end = xml.find("-->", i + 4);
      i = end == std::string_view::npos ? xml.size() : end + 3;
      continue;
    }
    if (bang && xml.compare(i, 9, "<![CDATA[") == 0) {
      const std::size_t end = xml.find("]]>", i + 9);
      const std::size_t stop = end == std::string_view::npos ? xml.size() : end;
      out.append(xml.substr(i + 9, stop - i - 9));
      i = end == std::string_view::npos ? xml.size() : end + 3;
      continue;
    }
    const std::size_t close = findEither(xml, i + 1, '>', '>');
    if (close >= xml.size()) break;
    std::string_view tag = xml.substr(i + 1, close - i - 1);
    i = close + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    const bool endTag = tag[0] == '/';
    const bool selfClosing = tag.back() == '/';
    if (endTag) tag.remove_prefix(1);
    const std::string_view name = tagLocalName(tag);
    if (name == "c") inSharedStringCell = !endTag && !selfClosing && sharedStringCell(tag);
    inIndex = inSharedStringCell && !endTag && !selfClosing && name == "v";
    if ((endTag || selfClosing) && breaks(name)) {
      // <text:s/> in OpenDocument is a space; everything else ends a line.
      out.push_back(name == "s" || name == "tab" ? ' ' : '\n');
    }
  }
  return out;
}

}  // namespace mamori::scan
