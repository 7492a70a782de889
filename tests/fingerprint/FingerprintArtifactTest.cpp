#include <doctest/doctest.h>

#include <algorithm>

#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;

namespace {

fp::FingerprintSet sample() {
  const auto key = fp::FingerprintKey::fromText(std::string(42, 'q') + "A").value();
  std::vector<fp::RegisteredDocument> documents;
  for (int i = 0; i < 3; ++i) {
    std::string text;
    for (int j = 0; j < 60; ++j) text += "document " + std::to_string(i) + " line " + std::to_string(j) + " ";
    const auto normalized = fp::normalizeText(text);
    documents.push_back({"doc" + std::to_string(i), static_cast<std::int64_t>(normalized.size()),
                         fp::distinctHashes(fp::sampleKgrams(normalized, key))});
  }
  auto set = fp::buildFingerprintSet("contracts", 7, key.keyId(), documents, 3);
  set.createdAt = "2026-12-06T15:00:00.000Z";
  return set;
}

// Bytes of a little-endian field at offset changed to value.
std::string patched(std::string bytes, std::size_t offset, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  return bytes;
}

}  // namespace

TEST_CASE("an artifact round-trips") {
  const auto set = sample();
  const std::string bytes = fp::fingerprintArtifact(set);
  auto parsed = fp::parseFingerprintArtifact(bytes);
  REQUIRE(parsed);
  CHECK(parsed.value().name == "contracts");
  CHECK(parsed.value().version == 7);
  CHECK(parsed.value().keyId == set.keyId);
  CHECK(parsed.value().createdAt == set.createdAt);
  CHECK(parsed.value().index.bytes() == set.index.bytes());
  CHECK(parsed.value().documents.size() == 3);
  CHECK(parsed.value().documents[1].id == "doc1");
  CHECK(parsed.value().documents[1].fingerprints == set.documents[1].fingerprints);
  CHECK(fp::fingerprintArtifact(parsed.value()) == bytes);
  CHECK(bytes.find("line") == std::string::npos);  // no text
  // 8 bytes per entry and under half a byte of directory.
  CHECK(set.index.bytes().size() <= set.index.size() * 8 + set.index.size() / 2 + 16);
}

TEST_CASE("hostile artifacts are refused with where and why") {
  const std::string bytes = fp::fingerprintArtifact(sample());
  const auto refused = [](const std::string& text, const std::string& where) {
    auto parsed = fp::parseFingerprintArtifact(text);
    REQUIRE_FALSE(parsed);
    CHECK_MESSAGE(parsed.error().where == where, parsed.error().message);
    CHECK_FALSE(parsed.error().message.empty());
  };
  refused("[]", "offset 0");
  refused("{\"format\":\"mamori-fingerprints\"}", "offset 0");
  refused(patched(bytes, 8, 1, 4), "offset 8");  // format version 1 (the retired JSON)
  refused(patched(bytes, 8, 2, 4), "offset 8");  // format version 2 (HMAC-SHA-256 hashes)
  CHECK(fp::parseFingerprintArtifact(patched(bytes, 8, 2, 4)).error().message.find("register the set again") !=
        std::string::npos);
  // Format 3: k-grams selected by winnowing (docs/decisions/0063): the documents must be registered again.
  refused(patched(bytes, 8, 3, 4), "offset 8");
  CHECK(fp::parseFingerprintArtifact(patched(bytes, 8, 3, 4)).error().message.find("register the documents again") !=
        std::string::npos);
  refused(patched(bytes, 8, 5, 4), "offset 8");         // a later format
  refused(patched(bytes, 12, 2, 4), "offset 12");       // an EDM set
  refused(patched(bytes, 164, 3, 4), "offset 160");     // every 3: not a power of two
  refused(patched(bytes, 164, 2048, 4), "offset 160");  // every 2048: over 1024
  refused(patched(bytes, 160, 33, 4), "offset 160");    // k 33
  refused(patched(bytes, 16, bytes.size() + 1, 8), "offset 16");
  refused(bytes.substr(0, bytes.size() - 8), "offset 16");     // cut short
  refused(patched(bytes, 24, 0, 8), "offset 24");              // version 0
  refused(patched(bytes, 32, '/', 1), "offset 32");            // "/ontracts"
  refused(patched(bytes, 96, 'X', 1), "offset 96");            // key id not hex
  refused(patched(bytes, 155, 1, 1), "offset 154");            // reserved
  refused(patched(bytes, 160, 1, 4), "offset 160");            // k 1: fewer bits than every 32 selects on
  refused(patched(bytes, 153, 7, 1), "offset 153");            // payload bits for 3 documents
  refused(patched(bytes, 184, 4, 4), "offset 184");            // a fourth document that is not there
  refused(patched(bytes, 192 + 24 + 20, 9, 4), "offset 232");  // document 1's id past the ids
  refused(patched(bytes, 192 + 24 + 16, 1, 4), "offset 232");  // document 1's id at a wrong offset
  refused(patched(bytes, 192 + 8, 0, 8), "offset 200");        // document 0's count
  // Records: swapped (out of order), a document number past the documents.
  const auto set = sample();
  const std::size_t tableAt = bytes.size() - set.index.bytes().size();
  const std::size_t recordsAt = bytes.size() - set.index.size() * 8;
  std::string swapped = bytes;
  std::swap_ranges(swapped.data() + recordsAt, swapped.data() + recordsAt + 8, swapped.data() + recordsAt + 8);
  refused(swapped, "offset " + std::to_string(tableAt));
  refused(patched(bytes, tableAt, 1, 4), "offset " + std::to_string(tableAt));  // directory not from 0
  fp::ArtifactLimits small;
  small.maxBytes = 100;
  auto tooLarge = fp::parseFingerprintArtifact(bytes, small);
  REQUIRE_FALSE(tooLarge);
  CHECK(tooLarge.error().kind == mamori::common::ErrorKind::kTooLarge);
}

TEST_CASE("set and document names are a safe alphabet") {
  CHECK(fp::isSafeSetName("contracts-2026.v1"));
  CHECK_FALSE(fp::isSafeSetName(""));
  CHECK_FALSE(fp::isSafeSetName(".hidden"));
  CHECK_FALSE(fp::isSafeSetName("a/b"));
  CHECK_FALSE(fp::isSafeSetName(std::string(65, 'a')));
}
