// plainPiece: the documents the scanner matches without the sandbox get exactly the piece
// extractPieces gives them; everything an extractor or a decoder must read is left to them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/Gzip.h"
#include "scan/Pieces.h"

using namespace mamori::scan;

namespace {

std::vector<Piece> extracted(const std::string& document) {
  std::vector<Piece> pieces;
  std::vector<NotInspected> skipped;
  extractPieces(
      document, ExtractionLimits{}, [&](const Piece& p) { pieces.push_back(p); }, skipped);
  CHECK(skipped.empty());
  return pieces;
}

}  // namespace

TEST_CASE("plain text and bytes of no known format are their own one piece, as extractPieces says") {
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary.push_back(static_cast<char>((i * 151 + 7) % 256));
  const std::vector<std::string> documents = {
      "plain ascii 4111 1111 1111 1111",
      "議事録 社外秘 UTF-8 text",
      std::string("\xEF\xBB\xBF", 3) + "BOM then 社外秘",
      std::string(100000, 'a') + "社外秘",  // past the 64 KiB sniff
      binary,
      "",
  };
  for (const auto& document : documents) {
    CAPTURE(document.substr(0, 40));
    const auto plain = plainPiece(document);
    REQUIRE(plain.has_value());
    const auto pieces = extracted(document);
    REQUIRE(pieces.size() == 1);
    CHECK(plain->location == pieces[0].location);
    CHECK(plain->kind == pieces[0].kind);
    CHECK(plain->raw.data() == document.data());
    CHECK(plain->raw.size() == document.size());
    CHECK(plain->decoded == pieces[0].decoded);
    CHECK(plain->detectOn == pieces[0].detectOn);
  }
}

TEST_CASE("what needs an extractor or a decoder is not plain") {
  const std::vector<std::string> documents = {
      "Shift_JIS \x8e\xd0\x8a\x4f\x94\xe9 \x8c\xda\x8b\x71\x88\xea\x97\x97",    // 社外秘 顧客一覧
      std::string("\xFF\xFE", 2) + std::string("\x3E\x79\x16\x59\xD8\x79", 6),  // UTF-16LE with BOM
      "\x1b$B<RFb\x1b(B ISO-2022-JP",
      mamori::common::gzipCompress("inside a gzip"),
      std::string("PK\x03\x04", 4) + std::string(40, '\0'),
      "%PDF-1.7\n1 0 obj\n",
      "{\\rtf1\\ansi hello}",
      std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0'),
      "From: a@example.com\r\nDate: Mon, 7 Dec 2026 00:00:00 +0900\r\nSubject: x\r\n\r\nbody\r\n",
      std::string("7z\xBC\xAF\x27\x1C", 6) + std::string(40, '\0'),
  };
  for (const auto& document : documents) {
    CAPTURE(document.substr(0, 20));
    CHECK_FALSE(plainPiece(document).has_value());
  }
}
