#include "scan/FileType.h"

#include <cctype>

#include "scan/MailReader.h"

namespace mamori::scan {

namespace {

bool at(std::string_view data, std::size_t offset, std::string_view magic) {
  return data.size() >= offset + magic.size() && data.substr(offset, magic.size()) == magic;
}

// A cpio header in ASCII: the magic, then only hex (newc, crc) or octal (odc) digits to the name. Text
// that starts with "070701" (a phone number) is not one.
bool isCpio(std::string_view data) {
  using namespace std::string_view_literals;
  const bool newc = at(data, 0, "070701"sv) || at(data, 0, "070702"sv);
  const bool odc = at(data, 0, "070707"sv);
  const std::size_t header = newc ? 110 : odc ? 76 : 0;
  if (header == 0 || data.size() < header) return false;
  for (std::size_t i = 6; i < header; ++i) {
    const char c = data[i];
    const bool digit = odc ? (c >= '0' && c <= '7') : (std::isxdigit(static_cast<unsigned char>(c)) != 0);
    if (!digit) return false;
  }
  return true;
}

bool isArchive(std::string_view data) {
  using namespace std::string_view_literals;
  return at(data, 0, "7z\xBC\xAF\x27\x1C"sv) || at(data, 0, "Rar!\x1A\x07"sv) ||
         at(data, 257, "ustar"sv) ||  // POSIX and GNU tar
         isCpio(data) || at(data, 0x8001, "CD001"sv) || at(data, 0x8801, "CD001"sv) ||
         at(data, 0x9001, "CD001"sv) ||                                // ISO 9660
         (at(data, 2, "-l"sv) && data.size() > 7 && data[6] == '-' &&  // LZH (LHa): "-lh5-", "-lh0-", "-lzs-"
          (data[4] == 'h' || data[4] == 'z'));
}

bool isCompressed(std::string_view data) {
  using namespace std::string_view_literals;
  if (at(data, 0,
         "\xFD"
         "7zXZ\x00"sv) ||
      at(data, 0, "\x28\xB5\x2F\xFD"sv))
    return true;  // xz, zstd
  return at(data, 0, "BZh"sv) && data.size() >= 10 && data[3] >= '1' && data[3] <= '9' &&
         data.substr(4, 6) == "\x31\x41\x59\x26\x53\x59"sv;  // bzip2 block magic (pi)
}

}  // namespace

FileType sniffFileType(std::string_view data) {
  if (data.size() >= 4 && data.substr(0, 2) == "PK" &&
      (data.substr(2, 2) == "\x03\x04" || data.substr(2, 2) == "\x05\x06")) {
    return FileType::kZip;
  }
  if (data.size() >= 3 && data.substr(0, 3) == "\x1F\x8B\x08") return FileType::kGzip;
  if (data.substr(0, 5) == "{\\rtf") return FileType::kRtf;
  if (isArchive(data)) return FileType::kArchive;
  if (isCompressed(data)) return FileType::kCompressed;
  if (data.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) return FileType::kOle2;
  if (data.substr(0, 4) == std::string_view("\x78\x9F\x3E\x22", 4)) return FileType::kTnef;
  if (looksLikeMail(data)) return FileType::kMail;
  // The PDF header may follow up to 1 KiB of junk (readers accept it, so leaks may use it).
  if (data.substr(0, 1024).find("%PDF-") != std::string_view::npos) return FileType::kPdf;
  return FileType::kOther;
}

}  // namespace mamori::scan
