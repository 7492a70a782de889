#pragma once
// Text of a PDF's content streams, without a PDF library (docs/decisions/0007-pdf-text.md): every
// stream whose filter is FlateDecode (or none) is inflated, bounded, and the strings shown by the
// text operators Tj, TJ, ' and " are collected. Strings split across TJ array elements are joined.
// Strings shown through CID fonts (Japanese) are also decoded through the document's ToUnicode CMaps.
// Attached files are returned as bytes, for the caller to open as nested files.
// Pure; problems (encryption, a corrupt stream, a filter we do not decode) are listed, never thrown.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

// A file attached to the PDF: an embedded file of a file specification (/EF, what "attach a file" and
// pdfattach write, also of file attachment annotations) or one of LibreOffice's hybrid PDF's
// /AdditionalStreams (the document's source). name: the specification's /UF or /F (its last path
// component; '!', '/' and control characters replaced), else "attachment-N".
struct PdfAttachment {
  std::string name;
  std::string data;
};

struct PdfTextResult {
  std::string text;
  std::vector<PdfAttachment> attachments;  // at most 256, their bytes counted in maxInflated                   // the
                                           // strings' bytes, one text object per line, then CMap-decoded text
  std::vector<std::string> problems;       // for the not-inspected list
  bool encrypted = false;                  // /Encrypt in the trailer: the strings are ciphertext
};

// maxInflated bounds the sum of inflated stream sizes.
PdfTextResult pdfText(std::string_view pdf, std::uint64_t maxInflated);

// The text operators' strings in one content stream (exposed for tests and fuzzing).
std::string contentStreamText(std::string_view stream);

}  // namespace mamori::scan
