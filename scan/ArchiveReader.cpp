#include "scan/ArchiveReader.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>

namespace mamori::scan {

namespace {

bool mentionsEncryption(std::string_view message) {
  return message.find("ncrypt") != std::string_view::npos || message.find("assphrase") != std::string_view::npos ||
         message.find("assword") != std::string_view::npos;
}

}  // namespace

void ArchiveReader::Closer::operator()(archive* a) const { archive_read_free(a); }

common::Result<ArchiveReader> ArchiveReader::open(std::string_view data, bool compressedStream) {
  std::unique_ptr<archive, Closer> handle(archive_read_new());
  if (!handle) return common::makeError(common::ErrorKind::kUnavailable, "cannot start the archive reader");
  archive* a = handle.get();
  // Only the formats we promise: every other reader libarchive has is code an attacker could reach.
  // LZH has a signature at its start and goes to its reader alone: its members are often stored as
  // they are (a .docx does not compress), and a stored .docx's central directory would make the zip
  // reader bid. (Windows cabinets are not read: libarchive 3.6's cab reader crashed within seconds of
  // fuzzing, docs/decisions/0068.)
  using namespace std::string_view_literals;
  if (data.size() > 7 && data.substr(2, 2) == "-l"sv && data[6] == '-') {
    archive_read_support_format_lha(a);  // LZH (LHa), still met in Japan
  } else {
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_zip_seekable(a);               // reads the central directory, as zip64 needs
    if (compressedStream) archive_read_support_format_raw(a);  // a compressed file that is no archive
  }
  if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK) {
    const char* why = archive_error_string(a);
    const std::string message = why != nullptr ? why : "unrecognised archive";
    if (mentionsEncryption(message)) return common::makeError(common::ErrorKind::kCorrupt, "encrypted");
    return common::makeError(common::ErrorKind::kCorrupt, "corrupt archive: " + message);
  }
  return ArchiveReader(std::move(handle));
}

std::string ArchiveReader::error(std::string_view what) const {
  const char* why = archive_error_string(handle_.get());
  const std::string message = why != nullptr ? why : "unreadable";
  if (mentionsEncryption(message)) return "encrypted";
  return std::string(what) + ": " + message;
}

std::string ArchiveReader::formatName() const {
  const char* name = archive_format_name(handle_.get());
  return name != nullptr ? name : "archive";
}

common::Result<std::optional<ArchiveMember>> ArchiveReader::next() {
  archive_entry* entry = nullptr;
  const int rc = archive_read_next_header(handle_.get(), &entry);
  if (rc == ARCHIVE_EOF) return std::optional<ArchiveMember>{};
  // A warning (a name that cannot be converted, an unknown extension) still gives a usable header.
  if (rc < ARCHIVE_WARN || entry == nullptr)
    return common::makeError(common::ErrorKind::kCorrupt, error("corrupt " + formatName()));
  ArchiveMember member;
  const char* name = archive_entry_pathname_utf8(entry);
  if (name == nullptr) name = archive_entry_pathname(entry);
  member.name = name != nullptr && *name != '\0' ? name : "data";
  while (member.name.size() > 1 && member.name.substr(0, 2) == "./") member.name.erase(0, 2);
  // A type of 0 is a header that gave none (old formats, odd writers): its data is still read.
  const auto type = archive_entry_filetype(entry);
  member.regularFile = (type == AE_IFREG || type == 0) && archive_entry_hardlink(entry) == nullptr;
  member.encrypted = archive_entry_is_encrypted(entry) != 0;
  if (archive_entry_size_is_set(entry) != 0) member.declaredSize = archive_entry_size(entry);
  return std::optional<ArchiveMember>(std::move(member));
}

common::Result<std::string> ArchiveReader::read(std::uint64_t maxBytes, std::uint64_t expectedBytes) {
  std::string out;
  out.reserve(static_cast<std::size_t>(std::min(expectedBytes, maxBytes)));
  char chunk[64 * 1024];
  for (;;) {
    const la_ssize_t n = archive_read_data(handle_.get(), chunk, sizeof chunk);
    if (n == 0) return out;
    if (n < 0) return common::makeError(common::ErrorKind::kCorrupt, error("corrupt " + formatName() + " member"));
    if (out.size() + static_cast<std::size_t>(n) > maxBytes) {
      return common::makeError(common::ErrorKind::kTooLarge,
                               "expands to more than " + std::to_string(maxBytes) + " bytes");
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace mamori::scan
