#pragma once
// File types by their first bytes, never by name: a renamed docx is still a zip.

#include <string_view>

namespace mamori::scan {

enum class FileType {
  kOther,
  kZip,
  kGzip,
  kPdf,
  kRtf,
  kArchive,     // 7z, RAR, RAR5, tar, cpio, ISO 9660, LZH: read through libarchive
  kCompressed,  // xz, bzip2, zstd: a compressed stream, an archive inside or not (libarchive)
  kOle2,        // OLE2 compound files: .doc, .xls, .ppt, .msg (CompoundFile)
  kMail,        // an e-mail message (.eml) or an mbox file of them (MailReader)
  kTnef,        // Outlook's winmail.dat (TnefReader)
};

FileType sniffFileType(std::string_view data);

}  // namespace mamori::scan
