#pragma once
// A signed set file as the collector stores and serves it and the agent keeps it (docs/decisions/0035):
//
//   artifact (FingerprintArtifact or EdmArtifact: starts with the "MAMORSET" header, which gives its length)
//   "MAMORSIG"  signer key id (16 hex)  Ed25519 signature over the whole artifact (64 bytes)
//   optionally "MAMORKEY"  the fleet's fingerprint key (43 characters of base64url)  5 zero bytes
//
// The signature covers every byte of the artifact and is checked before any of it is read. The key
// part is not signed: the signed artifact names the key's id, and a key that does not hash to it is
// refused (FingerprintBundle). The collector stores the signed part and adds the key when it serves a
// set to an enrolled agent or an administrator.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::fingerprint {

constexpr std::size_t kSignatureTrailerBytes = 88;
constexpr std::size_t kKeyTrailerBytes = 56;

// artifact followed by its signature trailer.
common::Result<std::string> signSetArtifact(const common::SigningKey& key, std::string artifact);
// signedSet followed by the key trailer.
std::string appendFleetKey(std::string signedSet, std::string_view keyText);

struct SignedSetParts {
  std::size_t artifactBytes = 0;  // the artifact is file[0, artifactBytes)
  std::string signerKeyId;
  std::string signature;  // base64url, as common::PublicKey::verify takes it
  std::optional<std::string> keyText;
};

// The parts of a signed set file, structure only (pure; fuzzed): lengths, magics, no trailing bytes.
common::Result<SignedSetParts> splitSignedSet(std::string_view file);

// splitSignedSet + the signer must be pinned + the signature must verify over the artifact.
common::Result<SignedSetParts> verifySignedSet(std::string_view file, const common::PublicKey& pinned);

}  // namespace mamori::fingerprint
