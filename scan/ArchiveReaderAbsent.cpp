// ArchiveReader in a program linked without libarchive: the light sandbox worker, mamori-extract-light
// (docs/decisions/0062). Every format but libarchive's is read there; a document that needs
// libarchive (7z, RAR, tar, cpio, ISO 9660, xz/bzip2/zstd, zip64), at any depth, stops the light
// worker's extraction with ArchiveReaderAbsent, and the scanner hands the document to the full worker
// (mamori-extract), which skips the pieces the light one already sent (scan/ExtractionService).

#include "scan/ArchiveReader.h"

namespace mamori::scan {

void ArchiveReader::Closer::operator()(archive* /*a*/) const {}  // no reader is ever made here

common::Result<ArchiveReader> ArchiveReader::open(std::string_view /*data*/, bool /*compressedStream*/) {
  throw ArchiveReaderAbsent();
}

common::Result<std::optional<ArchiveMember>> ArchiveReader::next() { throw ArchiveReaderAbsent(); }

common::Result<std::string> ArchiveReader::read(std::uint64_t /*maxBytes*/, std::uint64_t /*expectedBytes*/) {
  throw ArchiveReaderAbsent();
}

std::string ArchiveReader::formatName() const { return "archive"; }

std::string ArchiveReader::error(std::string_view what) const { return std::string(what); }

}  // namespace mamori::scan
