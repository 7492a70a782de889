#pragma once
// File types by their first bytes, never by name: a renamed docx is still a zip.

#include <string_view>

namespace mamori::scan {

enum class FileType { kOther, kZip, kGzip, kPdf, kRtf };

FileType sniffFileType(std::string_view data);

}  // namespace mamori::scan
