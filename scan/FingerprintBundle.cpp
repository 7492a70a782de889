#include "scan/FingerprintBundle.h"

#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/FingerprintArtifact.h"
#include "policy/SignedPolicy.h"

namespace mamori::scan {

namespace {

struct OpenedBundle {
  std::string document;  // the signed artifact's bytes, signature checked
  fingerprint::FingerprintKey key;
};

// The signature and the key; the artifact is the caller's to parse.
common::Result<OpenedBundle> openBundle(std::string_view text, const common::PublicKey& pinned, std::size_t maxBytes) {
  common::JsonLimits jsonLimits;
  jsonLimits.maxBytes = maxBytes;
  jsonLimits.maxDepth = 4;
  jsonLimits.maxValues = 64;
  jsonLimits.maxItems = 16;
  auto parsed = common::parseJsonStrict(text, jsonLimits);
  if (!parsed) return parsed.error();
  const auto* envelope = parsed.value().find("envelope");
  const auto* keyText = parsed.value().find("key");
  if (envelope == nullptr || envelope->kind != common::JsonKind::kObject)
    return common::makeError(common::ErrorKind::kCorrupt, "expected the signed set as an object", "/envelope");
  if (keyText == nullptr || keyText->kind != common::JsonKind::kString)
    return common::makeError(common::ErrorKind::kCorrupt, "expected the fingerprint key", "/key");
  auto key = fingerprint::FingerprintKey::fromText(keyText->text);
  if (!key) return key.error();
  // The signature covers the artifact's bytes inside the envelope, not the envelope's own text.
  auto document =
      policy::openSignedPolicy(common::json::write(*envelope, common::json::Style::kCanonical), pinned, maxBytes);
  if (!document) return document.error();
  return OpenedBundle{std::move(document).value(), std::move(key).value()};
}

// The key the set names and its version against the one applied (a replay).
template <typename Set>
common::Status checkSet(const Set& set, const fingerprint::FingerprintKey& key, std::int64_t appliedVersion,
                        bool allowSame) {
  if (set.keyId != key.keyId())
    return common::makeError(common::ErrorKind::kCorrupt,
                             "the set was hashed with key " + set.keyId + ", the bundle carries key " + key.keyId(),
                             "/key");
  if (set.version < appliedVersion || (!allowSame && set.version == appliedVersion))
    return common::makeError(common::ErrorKind::kCorrupt,
                             "version " + std::to_string(set.version) + " of set " + set.name +
                                 " is not newer than the applied version " + std::to_string(appliedVersion) +
                                 " (a replayed set)",
                             "/envelope");
  return common::Ok{};
}

}  // namespace

common::Result<FingerprintScanSet> openFingerprintBundle(std::string_view text, const common::PublicKey& pinned,
                                                         std::int64_t appliedVersion, bool allowSame) {
  const fingerprint::ArtifactLimits limits;
  auto bundle = openBundle(text, pinned, limits.maxBytes);
  if (!bundle) return bundle.error();
  auto set = fingerprint::parseFingerprintArtifact(bundle.value().document, limits);
  if (!set) return set.error();
  if (auto ok = checkSet(set.value(), bundle.value().key, appliedVersion, allowSame); !ok) return ok.error();
  FingerprintScanSet out;
  out.set = std::make_shared<const fingerprint::FingerprintSet>(std::move(set).value());
  out.key = std::make_shared<const fingerprint::FingerprintKey>(std::move(bundle).value().key);
  return out;
}

common::Result<EdmScanSet> openEdmBundle(std::string_view text, const common::PublicKey& pinned,
                                         std::int64_t appliedVersion, bool allowSame) {
  const fingerprint::ArtifactLimits limits;
  auto bundle = openBundle(text, pinned, limits.maxBytes);
  if (!bundle) return bundle.error();
  auto set = fingerprint::parseEdmArtifact(bundle.value().document, limits);
  if (!set) return set.error();
  if (auto ok = checkSet(set.value(), bundle.value().key, appliedVersion, allowSame); !ok) return ok.error();
  EdmScanSet out;
  out.set = std::make_shared<const fingerprint::EdmSet>(std::move(set).value());
  out.key = std::make_shared<const fingerprint::FingerprintKey>(std::move(bundle).value().key);
  return out;
}

}  // namespace mamori::scan
