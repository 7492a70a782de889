#pragma once
// The text of an RTF document as UTF-8, the way a word processor shows it: \uN characters (with their
// \ucN fallbacks skipped), \'hh bytes decoded in the code page of the current font's charset or the
// document's \ansicpg (Shift_JIS/CP932 for Japanese, Windows-1252 for Western text), paragraph and
// cell breaks as line breaks and tabs. Groups that hold no readable text (font and color tables,
// pictures, embedded objects' data, field instructions, theme and list tables) are skipped (objects' data
// is returned, for the caller to open); headers,
// footers, footnotes and document properties are kept, since a marking may be there. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

struct RtfTextResult {
  std::string text;
  std::vector<std::string> problems;  // what could not be read, e.g. the text cut at the limit
  // Embedded objects ({\object ... {\*\objdata hex}}): each object's OLE 1.0 bytes (an ObjectHeader and
  // its native data, [MS-OLEDS] 2.2), decoded from hex (or \bin), at most 64 and maxText bytes in all.
  std::vector<std::string> objects;
};

// At most maxText bytes of text; nesting deeper than 512 groups is read as if flat.
RtfTextResult rtfText(std::string_view data, std::size_t maxText);

}  // namespace mamori::scan
