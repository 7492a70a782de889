#pragma once
// The text of an XML part of an Office or OpenDocument file. Word splits one visible phrase into runs
// (<w:r><w:t>社</w:t></w:r><w:r><w:t>外秘</w:t></w:r>) whenever formatting or spell-check state
// changes, so text nodes are concatenated as they are and only block ends (paragraphs, cells, rows,
// shared strings, line breaks, tabs) become separators. Pure; never fails: malformed XML yields
// whatever text was recognisable.

#include <string>
#include <string_view>

namespace mamori::scan {

std::string xmlText(std::string_view xml);

// The same text written over the XML itself (the text is never longer than the markup it came from):
// returns its length. What Office extraction uses on the buffer a part was inflated into, so the text
// needs no buffer of its own (docs/decisions/0061).
std::size_t xmlTextInPlace(char* data, std::size_t size);

// Appends the character of the entity that starts at text[i] (an '&': the five named ones and numeric
// references, NUL and invalid values as U+FFFD; others kept as written); returns the bytes it used.
std::size_t appendXmlEntity(std::string& out, std::string_view text, std::size_t i);

}  // namespace mamori::scan
