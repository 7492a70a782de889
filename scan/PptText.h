#pragma once
// The text of a PowerPoint 97-2003 presentation (the "PowerPoint Document" stream of a .ppt): every
// TextCharsAtom (UTF-16), TextBytesAtom (8-bit, high byte left out) and CString atom, found by walking
// the record tree, so slides, notes pages, masters and text boxes in shapes are all read. Pure and
// bounded. [MS-PPT] is the reference.

#include <cstddef>
#include <string_view>

#include "scan/XlsText.h"

namespace mamori::scan {

LegacyTextResult pptText(std::string_view document, std::size_t maxText);

}  // namespace mamori::scan
