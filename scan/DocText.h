#pragma once
// The text of a Word 97-2003 document (.doc): the FIB at the start of the "WordDocument" stream names
// the table stream ("0Table" or "1Table") and the CLX in it, whose piece table maps every character
// position to bytes in WordDocument, 8-bit "compressed" (Windows-1252) or UTF-16. The text stream holds
// the body, then footnotes, headers and footers, comments, endnotes and text boxes, so reading every
// piece reads them all. Field instructions (between 0x13 and 0x14) are left out, their results kept,
// but for an EQ field's base text (ruby, furigana: it has no result); paragraph marks become line breaks
// and cell ends tabs. Pure and bounded. [MS-DOC] is the reference.

#include <cstddef>
#include <string>
#include <string_view>

#include "scan/XlsText.h"

namespace mamori::scan {

// The name of the table stream this WordDocument stream uses ("0Table" or "1Table"); empty when it is
// not a Word 97+ FIB.
std::string docTableStreamName(std::string_view wordDocument);

// The text a reader sees of a field without a result: Word's ruby (furigana), "EQ \* jc2 \* hps12
// \o\ad(\s\up 10(reading),base)", shows its base text, the last argument of the \o overstrike (the
// reading above it is left out). Empty for any other instruction. Used by the .doc and RTF readers.
std::string eqFieldText(std::string_view instruction);

LegacyTextResult docText(std::string_view wordDocument, std::string_view table, std::size_t maxText);

}  // namespace mamori::scan
