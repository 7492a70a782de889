#include "scan/FingerprintBundle.h"

#include "common/Files.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/SignedSet.h"

namespace mamori::scan {

namespace {

// The signature, then the artifact, then the key against the set's key id and the version.
template <typename Set, typename Parse>
common::Result<std::pair<Set, fingerprint::FingerprintKey>> openSet(const std::shared_ptr<const std::string>& file,
                                                                    const common::PublicKey& pinned,
                                                                    std::int64_t appliedVersion, bool allowSame,
                                                                    Parse parse) {
  auto parts = fingerprint::verifySignedSet(*file, pinned);
  if (!parts) return parts.error();
  if (!parts.value().keyText)
    return common::makeError(
        common::ErrorKind::kCorrupt, "the file carries no fingerprint key (\"MAMORKEY\")",
        "offset " + std::to_string(parts.value().artifactBytes + fingerprint::kSignatureTrailerBytes));
  auto set = parse(file, parts.value().artifactBytes);
  if (!set) return set.error();
  auto key = fingerprint::FingerprintKey::fromText(*parts.value().keyText);
  if (!key) return key.error();
  if (set.value().keyId != key.value().keyId())
    return common::makeError(
        common::ErrorKind::kCorrupt,
        "the set was hashed with key " + set.value().keyId + ", the file carries key " + key.value().keyId(), "key");
  if (set.value().version < appliedVersion || (!allowSame && set.value().version == appliedVersion))
    return common::makeError(common::ErrorKind::kCorrupt,
                             "version " + std::to_string(set.value().version) + " of set " + set.value().name +
                                 " is not newer than the applied version " + std::to_string(appliedVersion) +
                                 " (a replayed set)",
                             "version");
  return std::pair<Set, fingerprint::FingerprintKey>{std::move(set).value(), std::move(key).value()};
}

}  // namespace

common::Result<FingerprintScanSet> openFingerprintBundle(const std::shared_ptr<const std::string>& file,
                                                         const common::PublicKey& pinned, std::int64_t appliedVersion,
                                                         bool allowSame) {
  auto opened = openSet<fingerprint::FingerprintSet>(
      file, pinned, appliedVersion, allowSame, [](const std::shared_ptr<const std::string>& bytes, std::size_t length) {
        return fingerprint::parseFingerprintArtifact(bytes, length);
      });
  if (!opened) return opened.error();
  FingerprintScanSet out;
  // Most fingerprints of a scanned text are in no registered document: a bit table in front of the
  // index answers them without its cache misses (docs/decisions/0063).
  opened.value().first.index.addFilter();
  out.set = std::make_shared<const fingerprint::FingerprintSet>(std::move(opened.value().first));
  out.key = std::make_shared<const fingerprint::FingerprintKey>(std::move(opened.value().second));
  return out;
}

common::Result<EdmScanSet> openEdmBundle(const std::shared_ptr<const std::string>& file,
                                         const common::PublicKey& pinned, std::int64_t appliedVersion, bool allowSame) {
  auto opened = openSet<fingerprint::EdmSet>(file, pinned, appliedVersion, allowSame,
                                             [](const std::shared_ptr<const std::string>& bytes, std::size_t length) {
                                               return fingerprint::parseEdmArtifact(bytes, length);
                                             });
  if (!opened) return opened.error();
  EdmScanSet out;
  // Nearly every candidate value is in no row (a phone, an e-mail, a number of a line that is not a
  // customer's): the same bit table answers most of them without the index's cache misses (4 MiB for
  // 1,000,000 rows; docs/decisions/0067).
  opened.value().first.index.addFilter();
  out.set = std::make_shared<const fingerprint::EdmSet>(std::move(opened.value().first));
  out.key = std::make_shared<const fingerprint::FingerprintKey>(std::move(opened.value().second));
  return out;
}

common::Result<std::shared_ptr<const std::string>> readSetFile(const std::string& path) {
  const fingerprint::ArtifactLimits limits;
  auto bytes = common::readSmallFile(
      path, limits.maxBytes + fingerprint::kSignatureTrailerBytes + fingerprint::kKeyTrailerBytes);
  if (!bytes) return bytes.error();
  return std::make_shared<const std::string>(std::move(bytes).value());
}

}  // namespace mamori::scan
