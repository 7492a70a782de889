#pragma once
// The messages between the scanner and its sandbox worker (docs/decisions/0022). Each is one frame of
// the sandbox channel (drivers/include/Sandbox.h); integers are little-endian, strings a u32 length
// and bytes.
//
//   request   'R' u8 version | i64 max_depth max_members max_total_bytes max_ratio memory_cap |
//             u64 size | u64 skip_pieces | u8 inline | inline ? the document's bytes (size of them) :
//             nothing (the document is the descriptor that travels with the frame)
//   piece     'P' u8 kind u8 detect_on u8 raw_is_document | str location | str raw | str decoded
//   skipped   'N' u8 error_kind | str location | str reason
//   done      'D'
//   failure   'F' u8 failure | str message           (the worker exits after it)
//   archives  'A' u64 pieces_sent   (the light worker: the rest of this document needs libarchive)
//
// A worker answers a request with pieces and skipped parts in any order, then done or failure; the
// light worker (mamori-extract-light, docs/decisions/0062) may end its answer with 'A' instead: it
// sent the document's first pieces_sent pieces and no skipped part, and the full worker is asked for
// the same document with skip_pieces = pieces_sent (extraction is deterministic: it sends the rest). The
// parent decodes what a worker that may be compromised sends: every field is checked (fuzzed:
// tests/fuzz/fuzz_extract_protocol.cpp).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/Result.h"
#include "scan/Pieces.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

constexpr std::uint8_t kExtractProtocolVersion = 2;

struct ExtractRequest {
  ExtractionLimits limits;
  std::uint64_t size = 0;        // the document's length in bytes
  std::uint64_t skipPieces = 0;  // the first pieces of the document are not sent (the light worker sent them)
  bool inlineData = false;       // the bytes follow in the frame (no descriptor)
  std::string_view data;         // the inline bytes (a view into the frame)
};

enum class WorkerFailure : std::uint8_t { kOutOfMemory = 1, kBadRequest = 2, kInternal = 3 };

// A piece as it travels: raw is either the document itself (not sent again) or the bytes.
struct PieceMessage {
  Piece piece;  // piece.raw is left empty: the receiver points it at rawBytes or at the document
  bool rawIsDocument = false;
  std::string_view rawBytes;  // inside the frame that was decoded (not copied: a document's text)
};
struct DoneMessage {};
struct FailureMessage {
  WorkerFailure failure = WorkerFailure::kInternal;
  std::string message;
};
// The light worker met a part only libarchive reads: the rest of the document is the full worker's.
struct NeedsArchivesMessage {
  std::uint64_t piecesSent = 0;  // the pieces of this document it sent before
};
using WorkerMessage = std::variant<PieceMessage, NotInspected, DoneMessage, FailureMessage, NeedsArchivesMessage>;

std::string encodeRequest(const ExtractionLimits& limits, std::uint64_t size, std::string_view inlineData,
                          bool isInline, std::uint64_t skipPieces = 0);
common::Result<ExtractRequest> decodeRequest(std::string_view frame);

std::string encodePiece(const Piece& piece, bool rawIsDocument);
// The same frame in parts, so that the text is not copied to join it: head, the raw bytes (none when
// rawIsDocument), middle, piece.decoded.
struct PieceParts {
  std::string head;
  std::string middle;
};
PieceParts encodePieceParts(const Piece& piece, bool rawIsDocument);
std::string encodeNotInspected(const NotInspected& skipped);
std::string encodeDone();
std::string encodeFailure(WorkerFailure failure, std::string_view message);
std::string encodeNeedsArchives(std::uint64_t piecesSent);

// kCorrupt with what is wrong for anything but a well-formed message. A piece's rawBytes is a view
// into frame: the caller keeps the frame while it uses the piece.
common::Result<WorkerMessage> decodeWorkerMessage(std::string_view frame);

}  // namespace mamori::scan
