// The scanner-worker messages: what one side encodes the other decodes, and what a hostile worker
// may send is refused with a reason, never trusted.
#include <doctest/doctest.h>

#include <string>

#include "scan/ExtractProtocol.h"

using namespace mamori::scan;

TEST_CASE("a request round-trips, with a descriptor or inline bytes") {
  ExtractionLimits limits{2, 500, 1 << 20, 50, 1 << 19};
  auto byFd = decodeRequest(encodeRequest(limits, 1234, {}, false));
  REQUIRE(byFd);
  CHECK(byFd.value().size == 1234);
  CHECK_FALSE(byFd.value().inlineData);
  CHECK(byFd.value().limits.maxDepth == 2);
  CHECK(byFd.value().limits.maxMembers == 500);
  CHECK(byFd.value().limits.maxTotalBytes == 1 << 20);
  CHECK(byFd.value().limits.maxRatio == 50);
  CHECK(byFd.value().limits.memoryCapBytes == 1 << 19);
  const std::string frame = encodeRequest(limits, 5, "hello", true);
  auto inlined = decodeRequest(frame);
  REQUIRE(inlined);
  CHECK(inlined.value().inlineData);
  CHECK(inlined.value().data == "hello");
  CHECK(inlined.value().skipPieces == 0);
  // To the full worker after the light one sent the first pieces (docs/decisions/0062).
  auto skipping = decodeRequest(encodeRequest(limits, 1234, {}, false, 3));
  REQUIRE(skipping);
  CHECK(skipping.value().skipPieces == 3);
}

TEST_CASE("bad requests are refused") {
  ExtractionLimits limits;
  std::string frame = encodeRequest(limits, 5, "hello", true);
  CHECK_FALSE(decodeRequest(frame.substr(0, frame.size() - 1)));  // inline shorter than its size
  CHECK_FALSE(decodeRequest(frame + "x"));
  CHECK_FALSE(decodeRequest(encodeRequest(limits, 5, {}, false) + "x"));  // trailing bytes
  std::string badVersion = frame;
  badVersion[1] = 9;
  CHECK_FALSE(decodeRequest(badVersion));
  limits.maxMembers = 0;
  CHECK_FALSE(decodeRequest(encodeRequest(limits, 1, {}, false)));
  CHECK_FALSE(decodeRequest(""));
  CHECK_FALSE(decodeRequest("P"));
}

TEST_CASE("worker messages round-trip") {
  Piece piece{"a.zip!b.txt", PartKind::kText, "raw bytes", "decoded", DetectOn::kDecoded};
  const std::string frame = encodePiece(piece, false);  // the decoded piece's raw bytes are a view into it
  auto decoded = decodeWorkerMessage(frame);
  REQUIRE(decoded);
  const auto& p = std::get<PieceMessage>(decoded.value());
  CHECK(p.piece.location == "a.zip!b.txt");
  CHECK(p.piece.kind == PartKind::kText);
  CHECK(p.piece.detectOn == DetectOn::kDecoded);
  CHECK(p.piece.decoded == "decoded");
  CHECK(p.rawBytes == "raw bytes");
  CHECK_FALSE(p.rawIsDocument);
  const std::string referenceFrame = encodePiece(piece, true);
  auto reference = decodeWorkerMessage(referenceFrame);
  REQUIRE(reference);
  CHECK(std::get<PieceMessage>(reference.value()).rawIsDocument);
  CHECK(std::get<PieceMessage>(reference.value()).rawBytes.empty());

  auto skipped = decodeWorkerMessage(encodeNotInspected({"x.zip!y", "encrypted", mamori::common::ErrorKind::kCorrupt}));
  REQUIRE(skipped);
  CHECK(std::get<NotInspected>(skipped.value()).reason == "encrypted");
  CHECK(std::get<NotInspected>(skipped.value()).kind == mamori::common::ErrorKind::kCorrupt);
  CHECK(std::holds_alternative<DoneMessage>(decodeWorkerMessage(encodeDone()).value()));
  auto failure = decodeWorkerMessage(encodeFailure(WorkerFailure::kOutOfMemory, "no memory"));
  REQUIRE(failure);
  CHECK(std::get<FailureMessage>(failure.value()).failure == WorkerFailure::kOutOfMemory);
  auto archives = decodeWorkerMessage(encodeNeedsArchives(7));
  REQUIRE(archives);
  CHECK(std::get<NeedsArchivesMessage>(archives.value()).piecesSent == 7);
  CHECK_FALSE(decodeWorkerMessage(encodeNeedsArchives(7).substr(0, 5)));
  CHECK_FALSE(decodeWorkerMessage(encodeNeedsArchives(7) + "x"));
}

TEST_CASE("hostile worker messages are refused") {
  const Piece piece{"loc", PartKind::kFile, "raw", "", DetectOn::kRaw};
  const std::string good = encodePiece(piece, false);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(decodeWorkerMessage(good.substr(0, cut)));  // every truncation
  }
  CHECK_FALSE(decodeWorkerMessage(good + "x"));
  std::string badKind = good;
  badKind[1] = 7;
  CHECK_FALSE(decodeWorkerMessage(badKind));
  std::string badDetect = good;
  badDetect[2] = 3;
  CHECK_FALSE(decodeWorkerMessage(badDetect));
  std::string refWithBytes = good;
  refWithBytes[3] = 1;  // "the document" but with bytes attached
  CHECK_FALSE(decodeWorkerMessage(refWithBytes));
  // A length far past the frame.
  std::string hugeLength = good;
  hugeLength[4] = '\xFF';
  hugeLength[5] = '\xFF';
  hugeLength[6] = '\xFF';
  hugeLength[7] = '\x7F';
  CHECK_FALSE(decodeWorkerMessage(hugeLength));
  CHECK_FALSE(decodeWorkerMessage("D!"));
  CHECK_FALSE(decodeWorkerMessage("Z"));
  CHECK_FALSE(decodeWorkerMessage(""));
  std::string badFailure = encodeFailure(WorkerFailure::kInternal, "x");
  badFailure[1] = 0;
  CHECK_FALSE(decodeWorkerMessage(badFailure));
  std::string badErrorKind = encodeNotInspected({"", "r"});
  badErrorKind[1] = 99;
  CHECK_FALSE(decodeWorkerMessage(badErrorKind));
}
