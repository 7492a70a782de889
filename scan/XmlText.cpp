#include "scan/XmlText.h"

#include <string.h>  // memmem

#include <array>
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

// What ends a tag's name (a blank, '/', '>'): one table lookup a byte (a chain of five compares a
// byte before, decision 0061).
constexpr std::array<bool, 256> kNameEnds = [] {
  std::array<bool, 256> ends{};
  for (const unsigned char c : {' ', '\t', '\r', '\n', '/', '>'}) ends[c] = true;
  return ends;
}();

// Where the name of the tag whose first byte (after '<' or '</') is at `from` ends, and where its local
// name starts (after the first ':'; namespace prefix removed).
[[gnu::always_inline]] inline std::size_t tagNameEnd(std::string_view xml, std::size_t from, std::size_t& localStart) {
  std::size_t at = from;
  localStart = from;
  bool prefixed = false;
  while (at < xml.size() && !kNameEnds[static_cast<unsigned char>(xml[at])]) {
    if (xml[at] == ':' && !prefixed) {
      prefixed = true;
      localStart = at + 1;
    }
    ++at;
  }
  return at;
}

// The first of a or b in xml from i, or xml.size(): 32 bytes a step (two 16-byte SSE2 compares whose
// masks are tested together). Runs of text end at '<' or '&' (this scan is most of the extraction's
// cost on Office text, decision 0053's figures); tags end at '>' (searched the same way: memchr through
// the library call cost more than the short tags it searched, decision 0059).
[[gnu::always_inline]] inline std::size_t findEither(std::string_view xml, std::size_t i, char a, char b) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  auto mask16 = [&](std::size_t at) {
    __m128i block;
    std::memcpy(&block, xml.data() + at, 16);
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, va), _mm_cmpeq_epi8(block, vb))));
  };
  // Most tags are shorter than 16 bytes: one block first.
  if (i + 16 <= xml.size()) {
    const unsigned first = mask16(i);
    if (first != 0) return i + static_cast<std::size_t>(__builtin_ctz(first));
    i += 16;
  }
  while (i + 32 <= xml.size()) {
    const unsigned low = mask16(i);
    const unsigned high = mask16(i + 16);
    if ((low | high) != 0) {
      const unsigned both = low | (high << 16U);
      return i + static_cast<std::size_t>(__builtin_ctz(both));
    }
    i += 32;
  }
  if (i + 16 <= xml.size()) {
    const unsigned m = mask16(i);
    if (m != 0) return i + static_cast<std::size_t>(__builtin_ctz(m));
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

// Markup compatibility (OOXML): an mc:AlternateContent holds one content in forms for different
// readers, its mc:Choice (a Word text box or shape: wps:txbx) and an mc:Fallback for older readers (the
// same text again in a VML v:textbox). Both are read; the fallback's text is dropped when the choice's
// holds it, so a text box counts once. Text only a fallback holds (a reader may show it) stays: a
// file cannot hide text from the scan by putting it there, and an unclosed fallback hides nothing.
class AlternateContents {
 public:
  // Called with the local name of every start (opening) or end tag and the text written so far.
  // Returns where the text should end: w, or the fallback's start when the choice held its text.
  std::size_t tag(std::string_view name, bool endTag, const char* text, std::size_t w) {
    if (name.size() == 16 && name == "AlternateContent") {
      if (!endTag) {
        if (++depth_ <= kMaxDepth) frames_[depth_ - 1] = Frame{};
      } else if (depth_ > 0) {
        --depth_;
      }
      return w;
    }
    if (depth_ == 0 || depth_ > kMaxDepth) return w;  // deeper than this: everything is kept
    Frame& f = frames_[depth_ - 1];
    if (name.size() == 6 && name == "Choice") {
      if (!endTag) {
        f.openedAt = w;
      } else if (f.openedAt != kNone) {
        f.choiceFrom = f.openedAt;
        f.choiceTo = w;
        f.openedAt = kNone;
      }
    } else if (name.size() == 8 && name == "Fallback") {
      if (!endTag) {
        f.fallbackFrom = w;
      } else if (f.fallbackFrom != kNone) {
        const std::size_t from = f.fallbackFrom;
        f.fallbackFrom = kNone;
        // Contained, not equal: the choice also holds the drawing's position words (<wp:align>).
        if (f.choiceFrom != kNone && w - from <= f.choiceTo - f.choiceFrom &&
            ::memmem(text + f.choiceFrom, f.choiceTo - f.choiceFrom, text + from, w - from) != nullptr)
          return from;
      }
    }
    return w;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  static constexpr std::size_t kMaxDepth = 8;
  struct Frame {
    std::size_t openedAt = kNone;  // an mc:Choice open since this text offset
    std::size_t choiceFrom = kNone;
    std::size_t choiceTo = kNone;
    std::size_t fallbackFrom = kNone;
  };
  std::array<Frame, kMaxDepth> frames_{};
  std::size_t depth_ = 0;
};

bool shortDigits(std::string_view run) {
  if (run.empty() || run.size() > 6) return false;
  for (const char c : run)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

namespace {

// Writes cp as UTF-8 at out (room for 4 bytes), as common::appendUtf8 does; returns the bytes written.
std::size_t putUtf8(char* out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0U | (cp >> 6U));
    out[1] = static_cast<char>(0x80U | (cp & 0x3FU));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0U | (cp >> 12U));
    out[1] = static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out[2] = static_cast<char>(0x80U | (cp & 0x3FU));
    return 3;
  }
  out[0] = static_cast<char>(0xF0U | (cp >> 18U));
  out[1] = static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU));
  out[2] = static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
  out[3] = static_cast<char>(0x80U | (cp & 0x3FU));
  return 4;
}

constexpr std::size_t kMaxEntityName = 12;  // longer than this before its ';': no entity, a plain '&'

// The entity that starts at text[i] (an '&'): its character written at out (never more bytes than the
// entity took: "&#0;" is the shortest that gives three), and how many bytes it used. out may be
// text's own bytes at or before i (the in-place pass).
struct EntityStep {
  std::size_t read;
  std::size_t written;
};
EntityStep decodeEntity(std::string_view text, std::size_t i, char* out) {
  // Only the next few bytes can hold its ';' (a search to the end of the part made a document of
  // '&' without ';' quadratic).
  const std::size_t semiAt = text.substr(i, kMaxEntityName + 2).find(';');
  if (semiAt > kMaxEntityName) {  // npos (no ';') too
    out[0] = '&';
    return {1, 1};
  }
  const std::size_t semi = i + semiAt;
  const std::string_view name = text.substr(i + 1, semi - i - 1);
  char named = 0;
  if (name == "amp")
    named = '&';
  else if (name == "lt")
    named = '<';
  else if (name == "gt")
    named = '>';
  else if (name == "quot")
    named = '"';
  else if (name == "apos")
    named = '\'';
  if (named != 0) {
    out[0] = named;
    return {semi - i + 1, 1};
  }
  if (name.size() > 1 && name[0] == '#') {
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
    return {semi - i + 1, putUtf8(out, cp == 0 || cp > 0x10FFFF ? 0xFFFDU : static_cast<std::uint32_t>(cp))};
  }
  std::memmove(out, text.data() + i, semi - i + 1);  // unknown: kept as written
  return {semi - i + 1, semi - i + 1};
}

}  // namespace

std::size_t appendXmlEntity(std::string& out, std::string_view text, std::size_t i) {
  char buffer[kMaxEntityName + 2];
  const EntityStep step = decodeEntity(text, i, buffer);
  out.append(buffer, step.written);
  return step.read;
}

std::size_t xmlTextInPlace(char* data, std::size_t size) {
  // Reads from data at i, writes at w <= i: a run of text moves back over the markup before it, an
  // entity or a separator is never longer than what it replaces.
  const std::string_view xml(data, size);
  std::size_t i = 0;
  std::size_t w = 0;
  auto put = [&](std::size_t from, std::size_t n) {
    if (w != from && n != 0) std::memmove(data + w, data + from, n);
    w += n;
  };
  // A spreadsheet cell <c t="s"> holds in its <v> the index of its text in the shared strings, which
  // are extracted themselves: an index (up to 6 digits, nothing a detector reads as a number) is not
  // text. Anything else there is kept.
  bool inSharedStringCell = false;
  bool inIndex = false;
  AlternateContents alternates;
  while (i < size) {
    // Copy the run of plain text up to the next markup in one go: this scan is the extraction cost.
    // (Not find_first_of: it calls memchr over the needle set for every byte.) Between two tags
    // there is most often nothing.
    const std::size_t textEnd = data[i] == '<' ? i : findEither(xml, i, '<', '&');
    if (textEnd != i) {
      const std::string_view run = xml.substr(i, textEnd - i);
      if (!(inIndex && textEnd < size && data[textEnd] == '<' && shortDigits(run))) put(i, textEnd - i);
    }
    inIndex = false;
    i = textEnd;
    if (i >= size) break;
    if (data[i] == '&') {
      const EntityStep step = decodeEntity(xml, i, data + w);
      w += step.written;
      i += step.read;
      continue;
    }
    // Comments, CDATA, processing instructions and declarations (all start "<!" or "<?").
    const bool bang = i + 1 < size && data[i + 1] == '!';
    if (bang && xml.compare(i, 4, "<!--") == 0) {
      const std::size_t end = xml.find("-->", i + 4);
      i = end == std::string_view::npos ? size : end + 3;
      continue;
    }
    if (bang && xml.compare(i, 9, "<![CDATA[") == 0) {
      const std::size_t end = xml.find("]]>", i + 9);
      const std::size_t stop = end == std::string_view::npos ? size : end;
      put(i + 9, stop - i - 9);
      i = end == std::string_view::npos ? size : end + 3;
      continue;
    }
    // The tag's name first: most tags end right after it (</w:t>), so '>' is searched for only when a
    // blank or '/' follows the name.
    const bool endTag = i + 1 < size && data[i + 1] == '/';
    const std::size_t nameFrom = i + 1 + (endTag ? 1 : 0);
    std::size_t localStart = 0;
    const std::size_t nameEnd = tagNameEnd(xml, nameFrom, localStart);
    const std::size_t close = nameEnd < size && data[nameEnd] == '>' ? nameEnd : findEither(xml, nameEnd, '>', '>');
    if (close >= size) break;
    const char first = data[i + 1];
    i = close + 1;
    if (close == nameFrom - (endTag ? 1 : 0) || first == '?' || first == '!') continue;  // "<>", "<?", "<!"
    const bool selfClosing = data[close - 1] == '/';
    // (A tag "</" + nothing has an empty name, as "</>" had.)
    const std::string_view name = xml.substr(localStart, nameEnd - localStart);
    // mc:AlternateContent, mc:Choice, mc:Fallback: names of 6, 8 or 16 characters (one compare for others).
    if ((name.size() == 6 || name.size() == 8 || name.size() == 16) && !selfClosing)
      w = alternates.tag(name, endTag, data, w);
    if (name.size() == 1) {
      if (name[0] == 'c')
        inSharedStringCell = !endTag && !selfClosing && sharedStringCell(xml.substr(nameFrom, close - nameFrom));
      inIndex = inSharedStringCell && !endTag && !selfClosing && name[0] == 'v';
    }
    if ((endTag || selfClosing) && breaks(name)) {
      // <text:s/> in OpenDocument is a space; everything else ends a line.
      data[w++] = name == "s" || name == "tab" ? ' ' : '\n';
    }
  }
  return w;
}

std::string xmlText(std::string_view xml) {
  std::string out(xml);
  out.resize(xmlTextInPlace(out.data(), out.size()));
  return out;
}

}  // namespace mamori::scan
