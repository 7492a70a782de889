#pragma once
// The messages between the scanner and its sandbox worker (docs/decisions/0022). Each is one frame of
// the sandbox channel (drivers/include/Sandbox.h); integers are little-endian, strings a u32 length
// and bytes.
//
//   request   'R' u8 version | i64 max_depth max_members max_total_bytes max_ratio memory_cap |
//             u64 size | u8 inline | inline ? the document's bytes (size of them) : nothing (the
//             document is the descriptor that travels with the frame)
//   piece     'P' u8 kind u8 detect_on u8 raw_is_document | str location | str raw | str decoded
//   skipped   'N' u8 error_kind | str location | str reason
//   done      'D'
//   failure   'F' u8 failure | str message           (the worker exits after it)
//
// A worker answers a request with pieces and skipped parts in any order, then done or failure. The
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

constexpr std::uint8_t kExtractProtocolVersion = 1;

struct ExtractRequest {
  ExtractionLimits limits;
  std::uint64_t size = 0;   // the document's length in bytes
  bool inlineData = false;  // the bytes follow in the frame (no descriptor)
  std::string_view data;    // the inline bytes (a view into the frame)
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
using WorkerMessage = std::variant<PieceMessage, NotInspected, DoneMessage, FailureMessage>;

std::string encodeRequest(const ExtractionLimits& limits, std::uint64_t size, std::string_view inlineData,
                          bool isInline);
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

// kCorrupt with what is wrong for anything but a well-formed message. A piece's rawBytes is a view
// into frame: the caller keeps the frame while it uses the piece.
common::Result<WorkerMessage> decodeWorkerMessage(std::string_view frame);

}  // namespace mamori::scan
