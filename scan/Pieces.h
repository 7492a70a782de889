#pragma once
// The one dispatch from a document's bytes to what the matchers run on: every extractor and decoder
// (containers, XML, PDF, gzip, text encodings, UTF-16 runs of legacy Office files) runs under
// extractPieces. It runs in the sandbox worker (mamori-extract), or in this process when the sandbox
// is off. A new format is added here (through Extractor), and nowhere else.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/Extractor.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

// Which text the detectors (card numbers, My Numbers) read.
enum class DetectOn : std::uint8_t { kNone = 0, kRaw = 1, kDecoded = 2 };

struct Piece {
  std::string location;  // "" = the document itself, else its container path ("a.zip!b.xlsx")
  PartKind kind = PartKind::kFile;
  std::string_view raw;  // the part's bytes as found (YARA runs on them)
  std::string decoded;   // raw turned into UTF-8 text when it was not UTF-8 (YARA runs on it too); may be empty
  DetectOn detectOn = DetectOn::kNone;
};

using PieceSink = std::function<void(const Piece& piece)>;

// The text a piece holds for the detectors and document fingerprints ("" when it has none).
inline std::string_view pieceText(const Piece& piece) {
  switch (piece.detectOn) {
    case DetectOn::kDecoded: return piece.decoded;
    case DetectOn::kRaw: return piece.raw;
    case DetectOn::kNone: break;
  }
  return {};
}

// The text of a piece that document fingerprints read (docs/decisions/0032): pieceText, except for
// markup members of a container (an Office package's [Content_Types].xml, relationships, styles and
// themes): they are the same in every file a program writes and would make unrelated documents share
// long runs. Their readable text, where there is any, arrives as a kText piece of its own.
inline std::string_view fingerprintText(const Piece& piece) {
  const std::string_view text = pieceText(piece);
  if (piece.kind == PartKind::kText || piece.location.empty()) return text;
  const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && text[first] == '<') return {};
  return text;
}

// The one piece of a document that needs neither an extractor nor a decoder: UTF-8 (ASCII) text, or
// bytes of no format the extractors know and no text encoding; exactly what extractPieces would
// visit for it. Null when the document needs an extractor (a container, Office, PDF, RTF, mail) or a
// decoder (Shift_JIS, EUC-JP, UTF-16...). It only compares magic bytes and counts byte patterns in
// the first 64 KiB (no parser, no decoder), so the scanner may call it outside the sandbox and send
// the sandbox only what needs parsing (docs/decisions/0039).
std::optional<Piece> plainPiece(std::string_view document);

// Visits the pieces of document; problems (encrypted, corrupt, bombs, limits) go to notInspected.
void extractPieces(std::string_view document, const ExtractionLimits& limits, const PieceSink& sink,
                   std::vector<NotInspected>& notInspected);

}  // namespace mamori::scan
