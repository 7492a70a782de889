#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/EdmMatcher.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/SignedSet.h"
#include "fingerprint/TextNormalizer.h"
#include "scan/ContentInspector.h"
#include "scan/ContentScanner.h"
#include "scan/FingerprintBundle.h"
#include "tests/scan/ScanTestSupport.h"

namespace fp = mamori::fingerprint;
namespace scan = mamori::scan;
using mamori::common::SigningKey;

namespace {

std::string text(int seed) {
  std::string out;
  for (int i = 0; i < 120; ++i) out += "clause " + std::to_string(seed * 1000 + i * 7) + " of the agreement; ";
  return out;
}

std::shared_ptr<const std::string> bundle(const SigningKey& signer, const fp::FingerprintKey& key,
                                          std::int64_t version) {
  const auto normalized = fp::normalizeText(text(1));
  auto set = fp::buildFingerprintSet(
      "deals", version, key.keyId(),
      {{"doc1", static_cast<std::int64_t>(normalized.size()), fp::distinctHashes(fp::sampleKgrams(normalized, key))}},
      3);
  set.createdAt = "2026-12-06T15:00:00.000Z";
  auto signedSet = fp::signSetArtifact(signer, fp::fingerprintArtifact(set));
  REQUIRE(signedSet);
  return std::make_shared<const std::string>(fp::appendFleetKey(std::move(signedSet).value(), key.text()));
}

std::shared_ptr<const std::string> edited(const std::shared_ptr<const std::string>& file, std::size_t at, char value) {
  std::string copy = *file;
  copy[at] = value;
  return std::make_shared<const std::string>(std::move(copy));
}

}  // namespace

TEST_CASE("a signed fingerprint set opens only with its signer's key, untampered and not replayed") {
  const auto signer = SigningKey::generate().value();
  const auto other = SigningKey::generate().value();
  const auto key = fp::FingerprintKey::generate().value();
  const auto good = bundle(signer, key, 4);

  auto opened = scan::openFingerprintBundle(good, signer.publicKey());
  REQUIRE(opened);
  CHECK(opened.value().set->name == "deals");
  CHECK(opened.value().set->version == 4);
  CHECK(opened.value().key->keyId() == key.keyId());

  CHECK_FALSE(scan::openFingerprintBundle(good, other.publicKey()));
  CHECK_FALSE(scan::openFingerprintBundle(bundle(other, key, 4), signer.publicKey()));
  // A replay: older than what is applied, or the same when a newer one is required.
  auto older = scan::openFingerprintBundle(good, signer.publicKey(), 5);
  REQUIRE_FALSE(older);
  CHECK(older.error().message.find("replayed") != std::string::npos);
  CHECK(scan::openFingerprintBundle(good, signer.publicKey(), 4, true));
  CHECK_FALSE(scan::openFingerprintBundle(good, signer.publicKey(), 4, false));
  // The key must be the one the set was hashed with.
  std::string swapped = *good;
  swapped.replace(swapped.size() - 56 + 8, 43, fp::FingerprintKey::generate().value().text());
  auto wrongKey = scan::openFingerprintBundle(std::make_shared<const std::string>(swapped), signer.publicKey());
  REQUIRE_FALSE(wrongKey);
  CHECK(wrongKey.error().where == "key");
  // Any changed byte of the signed artifact (its header, a document, the last record), the
  // signature itself, or the file cut before its key.
  for (const std::size_t at : {std::size_t{40}, std::size_t{200}, good->size() - 56 - 88 - 1, good->size() - 56 - 10}) {
    auto tampered =
        scan::openFingerprintBundle(edited(good, at, static_cast<char>((*good)[at] ^ 0x01)), signer.publicKey());
    REQUIRE_FALSE(tampered);
    CHECK(tampered.error().where == "signature");
  }
  CHECK_FALSE(scan::openFingerprintBundle(std::make_shared<const std::string>(good->substr(0, good->size() - 56)),
                                          signer.publicKey()));
  CHECK_FALSE(scan::openFingerprintBundle(std::make_shared<const std::string>("{}"), signer.publicKey()));
  CHECK_FALSE(scan::openFingerprintBundle(std::make_shared<const std::string>("not a set"), signer.publicKey()));
}

TEST_CASE("the content scanner reports a registered document as a fingerprint hit, never its text") {
  const auto signer = SigningKey::generate().value();
  // A fixed key: which pieces sampling keeps depends on the key, and on this repetitive text a
  // random key made the share found vary from run to run (once in 17 runs above 80%).
  const auto key = fp::FingerprintKey::fromText("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").value();
  auto opened = scan::openFingerprintBundle(bundle(signer, key, 1), signer.publicKey());
  REQUIRE(opened);
  scan::ScanConfig config;
  config.creditCard.enabled = false;
  config.myNumber.enabled = false;
  opened.value().thresholds = {0.5, 300, 3};
  config.fingerprintSets.push_back(opened.value());

  const std::string full = text(1);
  auto hit = scan::ContentScanner::inspectBytes(config, "Forwarded:\n" + full.substr(0, full.size() * 2 / 3), "a.txt");
  REQUIRE(hit);
  REQUIRE(hit.value().hits.size() == 1);
  CHECK(hit.value().hits[0].kind == scan::HitKind::kFingerprint);
  CHECK(hit.value().hits[0].name == "deals:doc1");
  // Two thirds of the document: well over the set's 50% threshold, and not all of it.
  CHECK(hit.value().hits[0].count >= 50);
  CHECK(hit.value().hits[0].count < 100);

  auto clean = scan::ContentScanner::inspectBytes(config, text(2), "b.txt");
  REQUIRE(clean);
  CHECK(clean.value().hits.empty());
}

namespace {

// A scan configuration with a fingerprint set of text(1) and text(3) and an EDM set of two rows (name,
// phone), no rules, no detectors.
scan::ScanConfig setsConfig() {
  const auto key = fp::FingerprintKey::fromText("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").value();
  std::vector<fp::RegisteredDocument> documents;
  for (const int seed : {1, 3}) {
    const auto normalized = fp::normalizeText(text(seed));
    documents.push_back({"doc" + std::to_string(seed), static_cast<std::int64_t>(normalized.size()),
                         fp::distinctHashes(fp::sampleKgrams(normalized, key))});
  }
  auto documentSet = fp::buildFingerprintSet("deals", 1, key.keyId(), documents, 3);
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kPhone};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  fp::hashEdmRow(key, columns, {"山田 太郎", "03-1234-5678"}, 0, entries, &lengths);
  fp::hashEdmRow(key, columns, {"佐藤 花子", "090-2222-3333"}, 1, entries, &lengths);
  auto edmSet = fp::buildEdmSet("customers", 1, key.keyId(), columns, 2, 2, entries, lengths);
  REQUIRE(edmSet);
  scan::ScanConfig config;
  config.creditCard.enabled = false;
  config.myNumber.enabled = false;
  const auto sharedKey = std::make_shared<const fp::FingerprintKey>(key);
  config.fingerprintSets.push_back(
      {std::make_shared<const fp::FingerprintSet>(std::move(documentSet)), sharedKey, {0.3, 300, 3}});
  config.edmSets.push_back({std::make_shared<const fp::EdmSet>(std::move(edmSet).value()), sharedKey, 1});
  return config;
}

std::vector<std::string> hitsOf(const scan::ScanConfig& config, const std::string& data, const std::string& path) {
  auto result = scan::ContentScanner::inspectBytes(config, data, path);
  REQUIRE(result);
  std::vector<std::string> out;
  for (const auto& hit : result.value().hits)
    out.push_back(hit.location + "|" + hit.name + "|" + std::to_string(hit.count));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a file of one piece matches the sets as the same text in pieces does, up to the text's bound") {
  // One piece is matched on its text where it lies (no copy); pieces on their texts each followed by
  // '\n' (scan/ContentInspector.cpp). The same answers either way.
  const auto config = setsConfig();
  const std::string one = text(1);
  // A row cut between the pieces (name, then phone), and the document cut in the middle.
  const std::string first = "Forwarded:\n" + one.substr(0, one.size() / 2) + "\n顧客: 山田 太郎";
  const std::string second = "電話: 03-1234-5678\n" + one.substr(one.size() / 2) + "\n佐藤 花子, 090-2222-3333";
  const auto expected = hitsOf(config, first + "\n" + second, "a.txt");
  REQUIRE(expected.size() == 2);
  CHECK(expected[0] == "|customers:name+phone|2");
  CHECK(expected[1].starts_with("|deals:doc1|"));
  CHECK(hitsOf(config, first + "\n" + second + "\n", "a.txt") == expected);
  // A tar of the two: two pieces (its members, copied out of the file's bytes: their texts are copied
  // with '\n' after each); of the whole text: one piece, copied too.
  CHECK(hitsOf(config, scan::test::tarOf({{"a.txt", first}, {"b.txt", second}}), "a.tar") == expected);
  CHECK(hitsOf(config, scan::test::tarOf({{"a.txt", first + "\n" + second}}), "a.tar") == expected);

  // At the bound: text(1) and a name end there, the name's phone and text(3) follow.
  constexpr std::size_t kBound = scan::ContentInspector::kMaxSetTextBytes;
  const std::string name = " 佐藤 花子";
  std::string big(kBound - one.size() - name.size(), ' ');
  for (std::size_t at = 63; at < big.size(); at += 64) big[at] = '\n';
  big += one + name;
  REQUIRE(big.size() == kBound);
  big += " 090-2222-3333 " + text(3);
  const auto& key = *config.fingerprintSets[0].key;
  std::vector<std::string> atBound;
  {
    // What matching the text up to the bound gives (as the scanner did before it viewed one piece).
    const std::string upToBound = big.substr(0, kBound) + "\n";
    const auto matches = fp::matchDocuments(*config.fingerprintSets[0].set, fp::fingerprintText(upToBound, key),
                                            config.fingerprintSets[0].thresholds);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].document == 0);
    atBound.push_back("|deals:doc1|" +
                      std::to_string(static_cast<std::int64_t>(std::llround(matches[0].containment * 100.0))));
    CHECK(fp::matchEdm(*config.edmSets[0].set, key, upToBound).rows == 0);
  }
  CHECK(fp::matchEdm(*config.edmSets[0].set, key, big).rows == 1);  // the phone beyond the bound
  CHECK(hitsOf(config, big, "big.txt") == atBound);
}
