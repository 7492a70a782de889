// Fuzzes the scanner's decoder of what an extraction sandbox worker sends (a compromised worker
// controls every byte), and the worker's decoder of requests. Whatever decodes must re-encode to the
// same frame.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/ExtractProtocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  if (auto message = decodeWorkerMessage(input)) {
    if (auto* piece = std::get_if<PieceMessage>(&message.value())) {
      piece->piece.raw = piece->rawBytes;
      if (encodePiece(piece->piece, piece->rawIsDocument) != input) __builtin_trap();
    } else if (auto* skipped = std::get_if<NotInspected>(&message.value())) {
      if (encodeNotInspected(*skipped) != input) __builtin_trap();
    } else if (auto* archives = std::get_if<NeedsArchivesMessage>(&message.value())) {
      if (encodeNeedsArchives(archives->piecesSent) != input) __builtin_trap();
    }
  }
  if (auto request = decodeRequest(input)) {
    const auto& r = request.value();
    if (encodeRequest(r.limits, r.size, r.data, r.inlineData, r.skipPieces) != input) __builtin_trap();
  }
  return 0;
}
