#pragma once
// Archives read through libarchive (docs/decisions/0026): 7z, RAR and RAR5, tar, cpio, ISO 9660 and the
// zip archives our own ZipReader leaves (zip64, methods other than stored and deflate), plain or
// compressed with gzip, bzip2, xz, lzma or zstd; and a single compressed stream (file.xz) as one member.
// The archive is held in memory and read member by member; libarchive has no limits of its own, so
// every read is bounded by the caller (a member's bytes stop at maxBytes).
//
// The light sandbox worker (mamori-extract-light, docs/decisions/0062) is linked without libarchive:
// there open() throws ArchiveReaderAbsent (scan/ArchiveReaderAbsent.cpp), and the document goes to the
// full worker.

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"

struct archive;  // libarchive's handle (archive.h), opaque here

namespace mamori::scan {

// Thrown by open() in a program linked without libarchive (the light sandbox worker): the document
// needs the worker that has it. Never thrown where ArchiveReader.cpp is linked.
struct ArchiveReaderAbsent : std::exception {
  const char* what() const noexcept override { return "this program has no archive reader (libarchive)"; }
};

struct ArchiveMember {
  std::string name;                // as stored (UTF-8 when the archive says so), "data" for a compressed stream
  bool regularFile = true;         // false for folders, links, devices: nothing to read
  bool encrypted = false;          // its data (or the whole archive) needs a password
  std::int64_t declaredSize = -1;  // the header's size, -1 when the format does not say (streams)
};

class ArchiveReader {
 public:
  // data must outlive the reader. compressedStream: data is xz, bzip2 or zstd; when its content is no
  // archive it is one member named "data" (the content is the caller's to sniff again). Only then, so
  // that a damaged archive is reported as such rather than read as a stream of bytes.
  static common::Result<ArchiveReader> open(std::string_view data, bool compressedStream);

  // The next member's header; nullopt after the last. kCorrupt with libarchive's reason for a damaged,
  // truncated or unreadable archive; a header that is itself encrypted gives message "encrypted".
  common::Result<std::optional<ArchiveMember>> next();

  // The current member's bytes. kTooLarge once it grows past maxBytes; kCorrupt for damaged data.
  common::Result<std::string> read(std::uint64_t maxBytes, std::uint64_t expectedBytes);

  // "7-Zip", "RAR5", "GNU tar format", ... as libarchive names the format (after the first next()).
  std::string formatName() const;

 private:
  struct Closer {
    void operator()(archive* a) const;  // archive_read_free
  };
  explicit ArchiveReader(std::unique_ptr<archive, Closer> handle) : handle_(std::move(handle)) {}
  std::string error(std::string_view what) const;

  std::unique_ptr<archive, Closer> handle_;
};

}  // namespace mamori::scan
