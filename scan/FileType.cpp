#include "scan/FileType.h"

namespace mamori::scan {

FileType sniffFileType(std::string_view data) {
  if (data.size() >= 4 && data.substr(0, 2) == "PK" &&
      (data.substr(2, 2) == "\x03\x04" || data.substr(2, 2) == "\x05\x06")) {
    return FileType::kZip;
  }
  if (data.size() >= 3 && data.substr(0, 3) == "\x1F\x8B\x08") return FileType::kGzip;
  if (data.substr(0, 5) == "{\\rtf") return FileType::kRtf;
  // The PDF header may follow up to 1 KiB of junk (readers accept it, so leaks may use it).
  if (data.substr(0, 1024).find("%PDF-") != std::string_view::npos) return FileType::kPdf;
  return FileType::kOther;
}

}  // namespace mamori::scan
