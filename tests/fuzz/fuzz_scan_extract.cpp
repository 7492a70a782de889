// Fuzzes the content scanner's extraction path: magic-byte sniffing, zip directory and members,
// OOXML/OpenDocument XML text, gzip, PDF streams, archives through libarchive (7z, RAR5, tar.xz, cpio, zip64,
// xz), nesting, with small limits so bombs stay cheap. And plainPiece, which the scanner runs outside
// the sandbox: when it answers, extractPieces must give exactly that one piece.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/Extractor.h"
#include "scan/Pieces.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  ExtractionLimits limits;
  limits.maxDepth = 3;
  limits.maxMembers = 64;
  limits.maxTotalBytes = 4 << 20;
  limits.maxRatio = 100;
  limits.memoryCapBytes = 2 << 20;
  std::vector<NotInspected> notInspected;
  std::size_t seen = 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  Extractor(limits).extract(
      input,
      [&](const std::string& location, std::string_view part, PartKind) { seen += location.size() + part.size(); },
      notInspected);
  if (const auto plain = plainPiece(input)) {
    std::vector<Piece> pieces;
    std::vector<NotInspected> skipped;
    extractPieces(
        input, limits, [&](const Piece& piece) { pieces.push_back(piece); }, skipped);
    const bool same = pieces.size() == 1 && skipped.empty() && pieces[0].location == plain->location &&
                      pieces[0].kind == plain->kind && pieces[0].raw.data() == plain->raw.data() &&
                      pieces[0].raw.size() == plain->raw.size() && pieces[0].decoded == plain->decoded &&
                      pieces[0].detectOn == plain->detectOn;
    if (!same) __builtin_trap();  // the scanner would match something else than the sandbox gives
  }
  return seen == static_cast<std::size_t>(-1) ? 1 : 0;
}
