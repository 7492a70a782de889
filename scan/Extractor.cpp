#include "scan/Extractor.h"

#include <zlib.h>

#include <algorithm>

#include "scan/ArchiveReader.h"
#include "scan/FileType.h"
#include "scan/MailReader.h"
#include "scan/OleDocument.h"
#include "scan/PdfText.h"
#include "scan/RtfText.h"
#include "scan/TnefReader.h"
#include "scan/XmlText.h"
#include "scan/ZipReader.h"

namespace mamori::scan {

namespace {

// Ratios are judged only past this size: small, very repetitive members (an empty sheet) compress
// far better than 100:1 and are harmless.
constexpr std::uint64_t kRatioFloorBytes = 1U << 20U;

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

enum class ZipFlavor { kPlain, kOoxml, kOpenDocument };

ZipFlavor flavorOf(std::string_view zip, const std::vector<ZipEntry>& entries) {
  for (const auto& entry : entries) {
    if (entry.name == "[Content_Types].xml") return ZipFlavor::kOoxml;
    if (entry.name == "mimetype" && entry.method == 0 && !entry.encrypted()) {
      auto mime = readZipMember(zip, entry, 256);
      if (mime && mime.value().rfind("application/vnd.oasis.opendocument", 0) == 0) return ZipFlavor::kOpenDocument;
    }
  }
  return ZipFlavor::kPlain;
}

// Whether an OpenDocument package is password-protected: its manifest gives the members' encryption
// (the XML parts are then ciphertext, and the XML pass would find no text in them, silently).
bool openDocumentEncrypted(std::string_view zip, const std::vector<ZipEntry>& entries) {
  constexpr std::uint64_t kMaxManifestBytes = 1U << 20U;
  for (const auto& entry : entries) {
    if (entry.name != "META-INF/manifest.xml" || entry.encrypted()) continue;
    auto manifest = readZipMember(zip, entry, kMaxManifestBytes);
    return manifest && manifest.value().find(":encryption-data") != std::string::npos;
  }
  return false;
}

// Parts of an OOXML package whose schema holds no character data, only elements and attributes
// (formatting, fonts, themes, settings, the sheet's calculation order): the XML pass would find no text
// in them, so they are not inflated (docs/decisions/0061). Text-bearing parts (body, headers, footers,
// notes, comments, shared strings, sheets, slides, masters and layouts, document properties, custom
// XML) are all read, as is anything not named here.
bool ooxmlPartWithoutText(std::string_view name) {
  const std::size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view top = name.substr(0, slash);
  if (top != "word" && top != "xl" && top != "ppt") return false;
  const std::string_view rest = name.substr(slash + 1);
  if (rest.rfind("theme/", 0) == 0) return endsWith(rest, ".xml") && rest.find('/', 6) == std::string_view::npos;
  static constexpr std::string_view kParts[] = {"word/styles.xml",    "word/stylesWithEffects.xml",
                                                "word/settings.xml",  "word/webSettings.xml",
                                                "word/fontTable.xml", "xl/styles.xml",
                                                "xl/calcChain.xml",   "ppt/presProps.xml",
                                                "ppt/viewProps.xml",  "ppt/tableStyles.xml"};
  for (const std::string_view part : kParts)
    if (name == part) return true;
  return false;
}

// XML parts of an office document whose text is the document's: not relationships or content types.
bool officeTextPart(ZipFlavor flavor, std::string_view name) {
  if (flavor == ZipFlavor::kOoxml) return endsWith(name, ".xml") && name != "[Content_Types].xml";
  if (flavor == ZipFlavor::kOpenDocument)
    return endsWith(name, ".xml") && name.find("manifest") == std::string_view::npos;
  return false;
}

// The buffer Office XML parts are inflated into and their text extracted in, one per thread: it only
// grows (so it is not cleared before each part), and one grown past a few MiB for a large part is
// given back after it. A part's text is visited before the next part is read, and the visitor never
// extracts (it sends or matches the piece), so the buffer is never in use twice.
constexpr std::size_t kKeptScratchBytes = 4U << 20U;

std::string& officeScratch() {
  thread_local std::string scratch;
  return scratch;
}

void releaseLargeScratch() {
  std::string& scratch = officeScratch();
  if (scratch.capacity() > kKeptScratchBytes) std::string().swap(scratch);
}

}  // namespace

struct Extractor::Walk {
  const PartVisitor& visit;
  std::vector<NotInspected>& notInspected;
  std::uint64_t inflated = 0;  // total over the file, nested archives included

  std::uint64_t remaining(const ExtractionLimits& limits) const {
    const auto total = static_cast<std::uint64_t>(limits.maxTotalBytes);
    return total > inflated ? total - inflated : 0;
  }
};

void Extractor::extract(std::string_view data, const PartVisitor& visit,
                        std::vector<NotInspected>& notInspected) const {
  Walk walk{visit, notInspected};
  extractAt(walk, data, "", 0);
}

void Extractor::extractAt(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  const FileType type = sniffFileType(data);
  const bool container = type == FileType::kZip || type == FileType::kGzip || type == FileType::kArchive ||
                         type == FileType::kCompressed || type == FileType::kMail || type == FileType::kTnef;
  if (container && depth > limits_.maxDepth) {
    walk.notInspected.push_back(
        {location, "archive nested deeper than archive.max_depth (" + std::to_string(limits_.maxDepth) + ")"});
    return;
  }
  switch (type) {
    case FileType::kZip: extractZip(walk, data, location, depth); return;
    case FileType::kGzip: extractGzip(walk, data, location, depth); return;
    case FileType::kArchive: extractArchive(walk, data, location, depth, false); return;
    case FileType::kCompressed: extractArchive(walk, data, location, depth, true); return;
    case FileType::kMail: extractMail(walk, data, location, depth); return;
    case FileType::kTnef: extractTnef(walk, data, location, depth); return;
    case FileType::kPdf: extractPdf(walk, data, location, depth); return;
    case FileType::kRtf: extractRtf(walk, data, location, depth); return;
    case FileType::kOle2: extractOle2(walk, data, location, depth); return;
    case FileType::kOther: walk.visit(location, data, PartKind::kFile); return;
  }
}

void Extractor::extractZip(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  auto directory = readZipDirectory(data);
  if (!directory && directory.error().kind != common::ErrorKind::kCorrupt) {
    extractArchive(walk, data, location, depth, false);  // zip64: libarchive reads it
    return;
  }
  if (!directory) {
    walk.notInspected.push_back({location, directory.error().message, directory.error().kind});
    return;
  }
  const auto& entries = directory.value();
  if (static_cast<std::int64_t>(entries.size()) > limits_.maxMembers) {
    walk.notInspected.push_back({location, "archive has " + std::to_string(entries.size()) +
                                               " members, more than archive.max_members (" +
                                               std::to_string(limits_.maxMembers) + ")"});
    return;
  }
  const ZipFlavor flavor = flavorOf(data, entries);
  if (flavor == ZipFlavor::kOpenDocument && openDocumentEncrypted(data, entries)) {
    walk.notInspected.push_back(
        {location, "encrypted OpenDocument file (password-protected): its text cannot be read"});
    return;
  }
  const auto ratio = static_cast<std::uint64_t>(limits_.maxRatio);
  for (const auto& entry : entries) {
    if (entry.directory()) continue;
    const std::string member = memberLocation(location, entry.name);
    if (entry.encrypted()) {
      walk.notInspected.push_back({member, "encrypted"});
      continue;
    }
    // Judge the declared sizes first, then bound inflation so a lying header costs no more.
    const std::uint64_t declared = entry.uncompressedSize;
    const std::uint64_t ratioCap = std::max(kRatioFloorBytes, entry.compressedSize * ratio);
    if (declared > ratioCap) {
      walk.notInspected.push_back({member, "suspected zip bomb: compression ratio above archive.max_ratio (" +
                                               std::to_string(limits_.maxRatio) + "), not extracted"});
      continue;
    }
    const std::uint64_t remaining = walk.remaining(limits_);
    if (declared > remaining) {
      walk.notInspected.push_back({member, "archive inflates past archive.max_total_bytes (" +
                                               std::to_string(limits_.maxTotalBytes) + "), not extracted"});
      continue;
    }
    const auto memoryCap = static_cast<std::uint64_t>(limits_.memoryCapBytes);
    if (declared > memoryCap) {
      walk.notInspected.push_back(
          {member, "member larger than the extraction memory cap (" + std::to_string(memoryCap) + " bytes)"});
      continue;
    }
    const std::uint64_t cap = std::min({remaining, memoryCap, ratioCap});
    if (flavor != ZipFlavor::kPlain &&
        (endsWith(entry.name, ".rels") || entry.name == "mimetype" || entry.name == "[Content_Types].xml" ||
         (flavor == ZipFlavor::kOoxml && ooxmlPartWithoutText(entry.name)))) {
      continue;  // package plumbing and formatting, no document text: not even inflated
    }
    if (officeTextPart(flavor, entry.name)) {
      // Inflated into a buffer kept from part to part, and its text written over the XML there: the
      // piece's text is that buffer's first bytes (docs/decisions/0061).
      auto xml = readZipMemberInto(data, entry, cap, officeScratch());
      if (!xml) {
        walk.notInspected.push_back({member, xml.error().message, xml.error().kind});
        continue;
      }
      walk.inflated += xml.value().size();
      char* const buffer = officeScratch().data();
      const std::string_view text(buffer, xmlTextInPlace(buffer, xml.value().size()));
      // A part with no text but separators (a sheet of shared-string cells) is not a piece.
      if (text.find_first_not_of(" \n") != std::string_view::npos) walk.visit(member, text, PartKind::kText);
      releaseLargeScratch();
      continue;
    }
    auto bytes = readZipMember(data, entry, cap);
    if (!bytes) {
      walk.notInspected.push_back({member, bytes.error().message, bytes.error().kind});
      continue;
    }
    walk.inflated += bytes.value().size();
    extractAt(walk, bytes.value(), member, depth + 1);
  }
}

void Extractor::extractArchive(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth,
                               bool compressedStream) const {
  auto opened = ArchiveReader::open(data, compressedStream);
  if (!opened) {
    walk.notInspected.push_back({location, opened.error().message, opened.error().kind});
    return;
  }
  ArchiveReader& reader = opened.value();
  // Solid archives (7z, RAR) give no size per compressed member: the ratio is judged on the archive.
  const std::uint64_t ratioCap = std::max(kRatioFloorBytes, data.size() * static_cast<std::uint64_t>(limits_.maxRatio));
  const auto memoryCap = static_cast<std::uint64_t>(limits_.memoryCapBytes);
  std::uint64_t expanded = 0;
  std::int64_t members = 0;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      walk.notInspected.push_back({location, next.error().message, next.error().kind});
      return;
    }
    if (!next.value()) return;
    const ArchiveMember& entry = *next.value();
    if (++members > limits_.maxMembers) {
      walk.notInspected.push_back({location, "archive has more than archive.max_members (" +
                                                 std::to_string(limits_.maxMembers) +
                                                 ") members, the rest not inspected"});
      return;
    }
    if (!entry.regularFile) continue;
    std::string name = entry.name;
    if (compressedStream && name == "data") {
      // xz and zstd keep no name: the file's own name less its suffix ("notes.txt.xz" -> "notes.txt").
      const std::string_view outer = std::string_view(location).substr(location.rfind('!') + 1);
      const std::size_t dot = outer.rfind('.');
      if (dot != std::string_view::npos && dot > 0) name = outer.substr(0, dot);
    }
    const std::string member = memberLocation(location, name);
    if (entry.encrypted) {
      walk.notInspected.push_back({member, "encrypted"});
      continue;
    }
    const std::uint64_t remaining = walk.remaining(limits_);
    const std::uint64_t ratioLeft = ratioCap > expanded ? ratioCap - expanded : 0;
    const std::string bomb = "suspected archive bomb: expands past archive.max_ratio (" +
                             std::to_string(limits_.maxRatio) + ") times its size, not extracted";
    const std::string total =
        "archive inflates past archive.max_total_bytes (" + std::to_string(limits_.maxTotalBytes) + "), not extracted";
    const std::string memory = "member larger than the extraction memory cap (" + std::to_string(memoryCap) + " bytes)";
    const auto declared = static_cast<std::uint64_t>(std::max<std::int64_t>(entry.declaredSize, 0));
    const char* refused = declared > memoryCap   ? memory.c_str()
                          : declared > remaining ? total.c_str()
                          : declared > ratioLeft ? bomb.c_str()
                                                 : nullptr;
    if (refused != nullptr) {
      walk.notInspected.push_back({member, refused, common::ErrorKind::kTooLarge});
      continue;
    }
    const std::uint64_t cap = std::min({remaining, memoryCap, ratioLeft});
    auto bytes = reader.read(cap, declared);
    if (!bytes) {
      if (bytes.error().kind == common::ErrorKind::kTooLarge) {
        walk.notInspected.push_back({member,
                                     cap == ratioLeft   ? bomb
                                     : cap == remaining ? total
                                                        : memory,
                                     common::ErrorKind::kTooLarge});
      } else {
        walk.notInspected.push_back({member, bytes.error().message, bytes.error().kind});
      }
      continue;
    }
    walk.inflated += bytes.value().size();
    expanded += bytes.value().size();
    extractAt(walk, bytes.value(), member, depth + 1);
  }
}

void Extractor::extractMail(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  walk.visit(location, data, PartKind::kContainer);  // the raw message: YARA only (base64 is no text)
  const std::vector<std::string_view> messages = splitMbox(data);
  if (messages.size() == 1) {
    extractMessage(walk, messages.front(), location, depth);
    return;
  }
  if (static_cast<std::int64_t>(messages.size()) > limits_.maxMembers) {
    walk.notInspected.push_back({location, "mbox has " + std::to_string(messages.size()) +
                                               " messages, more than archive.max_members (" +
                                               std::to_string(limits_.maxMembers) + "), the rest not inspected"});
  }
  const auto count = std::min<std::size_t>(messages.size(), static_cast<std::size_t>(limits_.maxMembers));
  for (std::size_t i = 0; i < count; ++i) {
    extractMessage(walk, messages[i], memberLocation(location, "message-" + std::to_string(i + 1) + ".eml"), depth);
  }
}

void Extractor::extractMessage(Walk& walk, std::string_view message, const std::string& location,
                               std::int64_t depth) const {
  const auto memoryCap = static_cast<std::uint64_t>(limits_.memoryCapBytes);
  std::vector<std::string> problems;
  readMail(
      message, static_cast<std::size_t>(limits_.maxMembers),
      [&](MailPart&& part) {
        const std::string member = memberLocation(location, part.name);
        // Decoding never grows a part past the message, which is in memory already; the limits still
        // count what was taken out of it.
        if (part.data.size() > memoryCap) {
          walk.notInspected.push_back(
              {member, "part larger than the extraction memory cap (" + std::to_string(memoryCap) + " bytes)",
               common::ErrorKind::kTooLarge});
          return true;
        }
        if (part.data.size() > walk.remaining(limits_)) {
          walk.notInspected.push_back({member,
                                       "message expands past archive.max_total_bytes (" +
                                           std::to_string(limits_.maxTotalBytes) + "), not extracted",
                                       common::ErrorKind::kTooLarge});
          return false;
        }
        walk.inflated += part.data.size();
        if (part.text) {
          if (!part.data.empty()) walk.visit(member, part.data, PartKind::kText);
        } else {
          extractAt(walk, part.data, member, depth + 1);
        }
        return true;
      },
      problems);
  for (auto& problem : problems) walk.notInspected.push_back({location, std::move(problem)});
}

void Extractor::extractGzip(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  // The inner name: the header's FNAME when present, else "data".
  std::string name = "data";
  if (data.size() > 10 && (static_cast<unsigned char>(data[3]) & 0x08U) != 0) {
    std::size_t at = 10;
    if ((static_cast<unsigned char>(data[3]) & 0x04U) != 0 && data.size() > 12) {
      at += 2 + (static_cast<unsigned char>(data[10]) | (static_cast<unsigned char>(data[11]) << 8U));
    }
    const std::size_t nul = data.find('\0', at);
    if (at < data.size() && nul != std::string_view::npos && nul > at && nul - at < 256)
      name = data.substr(at, nul - at);
  }
  const std::string member = memberLocation(location, name);
  const auto ratioCap = std::max(kRatioFloorBytes, data.size() * static_cast<std::uint64_t>(limits_.maxRatio));
  const std::uint64_t remaining = walk.remaining(limits_);
  const auto memoryCap = static_cast<std::uint64_t>(limits_.memoryCapBytes);
  const std::uint64_t cap = std::min({ratioCap, remaining, memoryCap});
  auto bytes = inflateBounded(data, 15 + 16, cap);
  if (!bytes) {
    std::string reason = bytes.error().message;
    if (bytes.error().kind == common::ErrorKind::kTooLarge) {
      if (cap == ratioCap) {
        reason =
            "suspected gzip bomb: compression ratio above archive.max_ratio (" + std::to_string(limits_.maxRatio) + ")";
      } else if (cap == remaining) {
        reason = "inflates past archive.max_total_bytes (" + std::to_string(limits_.maxTotalBytes) + ")";
      } else {
        reason = "larger than the extraction memory cap (" + std::to_string(memoryCap) + " bytes)";
      }
    } else {
      reason = "corrupt gzip: " + reason;
    }
    walk.notInspected.push_back({member, reason, bytes.error().kind});
    return;
  }
  walk.inflated += bytes.value().size();
  extractAt(walk, bytes.value(), member, depth + 1);
}

void Extractor::extractEmbedded(Walk& walk, std::string_view data, const std::string& location,
                                std::int64_t depth) const {
  if (depth + 1 > limits_.maxDepth) {
    walk.notInspected.push_back(
        {location, "attachment nested deeper than archive.max_depth (" + std::to_string(limits_.maxDepth) + ")"});
    return;
  }
  extractAt(walk, data, location, depth + 1);
}

void Extractor::extractTnef(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  const std::uint64_t cap = std::min(walk.remaining(limits_), static_cast<std::uint64_t>(limits_.memoryCapBytes));
  TnefResult tnef = readTnef(data, static_cast<std::size_t>(cap), static_cast<std::size_t>(limits_.maxMembers));
  walk.visit(location, data, PartKind::kContainer);
  for (auto& problem : tnef.problems) walk.notInspected.push_back({location, std::move(problem)});
  walk.inflated += tnef.text.size();
  if (!tnef.text.empty()) walk.visit(location, tnef.text, PartKind::kText);
  for (const auto& file : tnef.attachments) {
    if (!file.data.empty()) extractEmbedded(walk, file.data, memberLocation(location, file.name), depth);
  }
}

void Extractor::extractRtf(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  const std::uint64_t cap = std::min(walk.remaining(limits_), static_cast<std::uint64_t>(limits_.memoryCapBytes));
  RtfTextResult rtf = rtfText(data, static_cast<std::size_t>(cap));
  walk.visit(location, data, PartKind::kContainer);
  for (auto& problem : rtf.problems) walk.notInspected.push_back({location, std::move(problem)});
  walk.inflated += rtf.text.size();
  if (!rtf.text.empty()) walk.visit(location, rtf.text, PartKind::kText);
  // Embedded objects (a document, a sheet, a dropped file): their native data is a nested file.
  for (std::size_t i = 0; i < rtf.objects.size(); ++i) {
    walk.inflated += rtf.objects[i].size();
    const Ole1Object object = ole1Object(rtf.objects[i]);
    if (object.native.empty()) continue;  // a link or a picture only
    if (object.className == "Package") {
      const OleNativeFile file = oleNativeFile(object.sizedNative);
      if (!file.data.empty()) extractEmbedded(walk, file.data, memberLocation(location, file.name), depth);
      continue;
    }
    extractEmbedded(walk, object.native, memberLocation(location, "object-" + std::to_string(i + 1)), depth);
  }
}

void Extractor::extractPdf(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  const std::uint64_t cap = std::min(walk.remaining(limits_), static_cast<std::uint64_t>(limits_.memoryCapBytes));
  PdfTextResult pdf = pdfText(data, cap);
  walk.visit(location, data, PartKind::kContainer);
  if (pdf.encrypted) {
    walk.notInspected.push_back({location, "encrypted PDF: its text cannot be read"});
    return;
  }
  for (auto& problem : pdf.problems) walk.notInspected.push_back({location, std::move(problem)});
  walk.inflated += pdf.text.size();
  if (!pdf.text.empty()) walk.visit(location, pdf.text, PartKind::kText);
  // Attached files (counted in the budget pdfText was given) are nested files, as a zip's members.
  for (const auto& file : pdf.attachments) {
    walk.inflated += file.data.size();
    extractEmbedded(walk, file.data, memberLocation(location, file.name), depth);
  }
}

void Extractor::extractOle2(Walk& walk, std::string_view data, const std::string& location, std::int64_t depth) const {
  // A message's attachments are nested files: past the depth limit the file is read as plain bytes only.
  const std::uint64_t cap = std::min(walk.remaining(limits_), static_cast<std::uint64_t>(limits_.memoryCapBytes));
  bool containerSeen = false;
  const OleSink sink{[&](const std::string& where, std::string_view text) {
                       if (!containerSeen) walk.visit(location, data, PartKind::kContainer), containerSeen = true;
                       walk.inflated += text.size();
                       walk.visit(where, text, PartKind::kText);
                     },
                     [&](const std::string& where, std::string_view bytes) {
                       if (!containerSeen) walk.visit(location, data, PartKind::kContainer), containerSeen = true;
                       walk.inflated += bytes.size();
                       extractEmbedded(walk, bytes, where, depth);
                     },
                     [&](const std::string& where, const std::string& reason, common::ErrorKind kind) {
                       walk.notInspected.push_back({where, reason, kind});
                     }};
  const OleKind kind = depth > limits_.maxDepth ? OleKind::kNotCompound : readOleDocument(data, location, cap, sink);
  // Not a compound file read here (broken, or of another kind): its bytes as they are, UTF-16 runs included.
  if (kind == OleKind::kNotCompound || kind == OleKind::kUnknown) {
    walk.visit(location, data, PartKind::kFile);
  } else if (!containerSeen) {
    walk.visit(location, data, PartKind::kContainer);
  }
}

}  // namespace mamori::scan
