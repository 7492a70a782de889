#pragma once
// Opens containers (zip, OOXML, OpenDocument, gzip, PDF, RTF, OLE2 compound files; 7z, RAR, tar, cpio,
// ISO 9660, xz, bzip2 and zstd through libarchive; e-mail and mbox with their attachments), nested up to
// the policy's limits, and hands
// every part that can hold text to a visitor. Pure: bytes in, parts and a not-inspected list out. One
// part is held in memory at a time besides its containers, so memory stays under the limits.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/ScanTypes.h"

namespace mamori::scan {

enum class PartKind {
  kFile,       // bytes as stored (a plain file or archive member): YARA, decoding, detectors
  kContainer,  // a container's own bytes (PDF): YARA only
  kText,       // text extracted from XML or a PDF: YARA, decoding, detectors
};

// location: "" for the file itself, else member names joined by '!' ("plan.docx!word/document.xml").
using PartVisitor = std::function<void(const std::string& location, std::string_view data, PartKind kind)>;

class Extractor {
 public:
  explicit Extractor(ExtractionLimits limits) : limits_(limits) {}

  // Visits the parts of data (a whole file); problems are appended to notInspected.
  void extract(std::string_view data, const PartVisitor& visit, std::vector<NotInspected>& notInspected) const;

 private:
  struct Walk;
  void extractAt(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractZip(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractArchive(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth,
                      bool compressedStream) const;
  void extractMail(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractMessage(Walk& walk, std::string_view message, const std::string& location, std::int64_t depth) const;
  void extractGzip(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractPdf(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractTnef(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractRtf(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  // A file found inside another that is no archive member (an attachment, an embedded object): opened
  // one level down, or listed as not inspected past archive.max_depth. Its bytes are counted already.
  void extractEmbedded(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;
  void extractOle2(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const;

  ExtractionLimits limits_;
};

}  // namespace mamori::scan
