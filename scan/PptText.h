#pragma once
// The text of a PowerPoint 97-2003 presentation (the "PowerPoint Document" stream of a .ppt): every
// TextCharsAtom (UTF-16), TextBytesAtom (8-bit, high byte left out) and CString atom, found by walking
// the record tree, so slides, notes pages, masters and text boxes in shapes are all read. Pure and
// bounded. [MS-PPT] is the reference.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "scan/XlsText.h"

namespace mamori::scan {

LegacyTextResult pptText(std::string_view document, std::size_t maxText);

// Calls visit(instance, body) for every record of this type in the document (containers entered, as
// pptText walks them); stops at a record that runs past the end.
void forEachPptRecord(std::string_view document, std::uint16_t type,
                      const std::function<void(std::uint16_t instance, std::string_view body)>& visit);

}  // namespace mamori::scan
