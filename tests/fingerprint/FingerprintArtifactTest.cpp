#include <doctest/doctest.h>

#include "common/Base64Url.h"
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
                         fp::distinctHashes(fp::winnow(normalized, key))});
  }
  auto set = fp::buildFingerprintSet("contracts", 7, key.keyId(), documents, 3);
  set.createdAt = "2026-12-06T15:00:00.000Z";
  return set;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("an artifact round-trips") {
  const auto set = sample();
  const std::string json = fp::fingerprintArtifactJson(set);
  auto parsed = fp::parseFingerprintArtifact(json);
  REQUIRE(parsed);
  CHECK(parsed.value().name == "contracts");
  CHECK(parsed.value().version == 7);
  CHECK(parsed.value().keyId == set.keyId);
  CHECK(parsed.value().hashes == set.hashes);
  CHECK(parsed.value().docs == set.docs);
  CHECK(parsed.value().documents.size() == 3);
  CHECK(parsed.value().documents[1].fingerprints == set.documents[1].fingerprints);
  CHECK(fp::fingerprintArtifactJson(parsed.value()) == json);
  CHECK(json.find("line") == std::string::npos);  // no text
}

TEST_CASE("hostile artifacts are refused with where and why") {
  const std::string json = fp::fingerprintArtifactJson(sample());
  const auto refused = [](const std::string& text, const std::string& where) {
    auto parsed = fp::parseFingerprintArtifact(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().where == where);
    CHECK_FALSE(parsed.error().message.empty());
  };
  refused("[]", "/");
  refused(replace(json, "\"format\":\"mamori-fingerprints\"", "\"format\":\"mamori-policy\""), "/format");
  refused(replace(json, "\"format_version\":1", "\"format_version\":2"), "/format_version");
  refused(replace(json, "\"set\":\"contracts\"", "\"set\":\"../etc\""), "/set");
  refused(replace(json, "\"version\":7", "\"version\":0"), "/version");
  refused(replace(json, "\"version\":7", "\"version\":7,\"extra\":1"), "/extra");
  refused(replace(json, "\"id\":\"doc1\"", "\"id\":\"\""), "/documents/1/id");
  refused(replace(json, "\"k\":16", "\"k\":1"), "/k");
  refused(replace(json, "\"entries\":\"", "\"entries\":\"!"), "/entries");
  refused(fp::fingerprintArtifactJson([] {
            auto s = sample();
            s.documents[0].fingerprints += 1;
            return s;
          }()),
          "/documents/0/fingerprints");
  refused(fp::fingerprintArtifactJson([] {
            auto s = sample();
            std::swap(s.hashes[0], s.hashes[1]);
            return s;
          }()),
          "/entries");
  refused(fp::fingerprintArtifactJson([] {
            auto s = sample();
            s.docs[0] = 99;
            return s;
          }()),
          "/entries");
  fp::ArtifactLimits small;
  small.maxBytes = 100;
  auto tooLarge = fp::parseFingerprintArtifact(json, small);
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
