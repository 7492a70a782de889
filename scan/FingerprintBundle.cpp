#include "scan/FingerprintBundle.h"

#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "fingerprint/FingerprintArtifact.h"
#include "policy/SignedPolicy.h"

namespace mamori::scan {

common::Result<FingerprintScanSet> openFingerprintBundle(std::string_view text, const common::PublicKey& pinned,
                                                         std::int64_t appliedVersion, bool allowSame) {
  const fingerprint::ArtifactLimits limits;
  common::JsonLimits jsonLimits;
  jsonLimits.maxBytes = limits.maxBytes;
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
  auto document = policy::openSignedPolicy(common::json::write(*envelope, common::json::Style::kCanonical), pinned,
                                           limits.maxBytes);
  if (!document) return document.error();
  auto set = fingerprint::parseFingerprintArtifact(document.value(), limits);
  if (!set) return set.error();
  if (set.value().keyId != key.value().keyId())
    return common::makeError(
        common::ErrorKind::kCorrupt,
        "the set was hashed with key " + set.value().keyId + ", the bundle carries key " + key.value().keyId(), "/key");
  if (set.value().version < appliedVersion || (!allowSame && set.value().version == appliedVersion))
    return common::makeError(common::ErrorKind::kCorrupt,
                             "version " + std::to_string(set.value().version) + " of set " + set.value().name +
                                 " is not newer than the applied version " + std::to_string(appliedVersion) +
                                 " (a replayed set)",
                             "/envelope");
  FingerprintScanSet out;
  out.set = std::make_shared<const fingerprint::FingerprintSet>(std::move(set).value());
  out.key = std::make_shared<const fingerprint::FingerprintKey>(std::move(key).value());
  return out;
}

}  // namespace mamori::scan
