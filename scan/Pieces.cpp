#include "scan/Pieces.h"

#include "scan/FileType.h"
#include "scan/TextDecoder.h"

namespace mamori::scan {

namespace {
constexpr std::size_t kMinUtf16Run = 3;  // 社外秘 is three characters

Piece pieceOf(const std::string& location, std::string_view data, PartKind kind, TextEncoding encoding) {
  Piece piece{location, kind, data, {}, DetectOn::kNone};
  if (kind == PartKind::kContainer) return piece;  // a container's own bytes: YARA only
  if (encoding != TextEncoding::kUtf8 && encoding != TextEncoding::kUnknown) {
    piece.decoded = transcodeToUtf8(data, encoding);
    piece.detectOn = DetectOn::kDecoded;
  } else if (encoding == TextEncoding::kUnknown && kind != PartKind::kText) {
    // Binary. Legacy Office files keep their text as UTF-16LE runs inside the compound file; any other
    // binary's digits are not numbers a person wrote (extracted text with stray bytes still is).
    if (sniffFileType(data) != FileType::kOle2) return piece;
    piece.decoded = utf16leRuns(data, kMinUtf16Run);
    if (!piece.decoded.empty()) piece.detectOn = DetectOn::kDecoded;
  } else {
    piece.detectOn = DetectOn::kRaw;
  }
  return piece;
}

Piece pieceOf(const std::string& location, std::string_view data, PartKind kind) {
  return pieceOf(location, data, kind, kind == PartKind::kContainer ? TextEncoding::kUnknown : detectEncoding(data));
}

}  // namespace

std::optional<Piece> plainPiece(std::string_view document) {
  if (sniffFileType(document) != FileType::kOther) return std::nullopt;  // an extractor's job
  const TextEncoding encoding = detectEncoding(document);
  // Any other encoding needs a decoder, and decoders run in the sandbox.
  if (encoding != TextEncoding::kUtf8 && encoding != TextEncoding::kUnknown) return std::nullopt;
  // What extractPieces would give: the Extractor visits a kOther document as its one kFile part.
  return pieceOf("", document, PartKind::kFile, encoding);
}

void extractPieces(std::string_view document, const ExtractionLimits& limits, const PieceSink& sink,
                   std::vector<NotInspected>& notInspected) {
  const Extractor extractor(limits);
  extractor.extract(
      document,
      [&](const std::string& location, std::string_view part, PartKind kind) { sink(pieceOf(location, part, kind)); },
      notInspected);
}

}  // namespace mamori::scan
