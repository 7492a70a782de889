#include <doctest/doctest.h>

#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/SignedSet.h"
#include "fingerprint/TextNormalizer.h"
#include "scan/ContentScanner.h"
#include "scan/FingerprintBundle.h"

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
