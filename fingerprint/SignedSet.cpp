#include "fingerprint/SignedSet.h"

#include "common/Base64Url.h"
#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

namespace {

constexpr std::string_view kSignatureMagic = "MAMORSIG";
constexpr std::string_view kKeyMagic = "MAMORKEY";
constexpr std::size_t kKeyTextBytes = 43;

}  // namespace

common::Result<std::string> signSetArtifact(const common::SigningKey& key, std::string artifact) {
  auto signature = key.sign(artifact);
  if (!signature) return signature.error();
  auto raw = common::base64UrlDecode(signature.value());
  if (!raw || raw->size() != 64) return common::makeError("the signature is not 64 bytes");
  artifact.reserve(artifact.size() + kSignatureTrailerBytes + kKeyTrailerBytes);
  artifact.append(kSignatureMagic);
  artifact.append(key.keyId());
  artifact.append(*raw);
  return artifact;
}

std::string appendFleetKey(std::string signedSet, std::string_view keyText) {
  MAMORI_ASSERT(keyText.size() == kKeyTextBytes);
  signedSet.append(kKeyMagic);
  signedSet.append(keyText);
  signedSet.append(kKeyTrailerBytes - kKeyMagic.size() - kKeyTextBytes, '\0');
  return signedSet;
}

common::Result<SignedSetParts> splitSignedSet(std::string_view file) {
  if (file.size() < artifact::kHeaderBytes || file.substr(0, artifact::kMagic.size()) != artifact::kMagic)
    return artifact::corrupt("not a signed set file (no \"MAMORSET\" header)", "offset 0");
  const std::uint64_t length = common::le64(file, 16);
  if (length < artifact::kHeaderBytes || length > file.size() || file.size() - length < kSignatureTrailerBytes)
    return artifact::corrupt("the artifact's length " + std::to_string(length) +
                                 " leaves no room for its signature in a file of " + std::to_string(file.size()) +
                                 " bytes",
                             "offset 16");
  SignedSetParts parts;
  parts.artifactBytes = static_cast<std::size_t>(length);
  std::size_t at = parts.artifactBytes;
  if (file.substr(at, kSignatureMagic.size()) != kSignatureMagic)
    return artifact::corrupt("expected the signature (\"MAMORSIG\")", "offset " + std::to_string(at));
  parts.signerKeyId = std::string(file.substr(at + 8, 16));
  parts.signature = common::base64UrlEncode(file.substr(at + 24, 64));
  at += kSignatureTrailerBytes;
  if (at == file.size()) return parts;
  if (file.size() - at != kKeyTrailerBytes || file.substr(at, kKeyMagic.size()) != kKeyMagic)
    return artifact::corrupt("expected the fleet key (\"MAMORKEY\") or the end of the file",
                             "offset " + std::to_string(at));
  const std::string_view padding = file.substr(at + kKeyMagic.size() + kKeyTextBytes);
  if (padding.find_first_not_of('\0') != std::string_view::npos)
    return artifact::corrupt("the fleet key's padding is not zero", "offset " + std::to_string(at));
  parts.keyText = std::string(file.substr(at + kKeyMagic.size(), kKeyTextBytes));
  return parts;
}

common::Result<SignedSetParts> verifySignedSet(std::string_view file, const common::PublicKey& pinned) {
  auto parts = splitSignedSet(file);
  if (!parts) return parts.error();
  if (parts.value().signerKeyId != pinned.keyId())
    return common::makeError(common::ErrorKind::kDenied,
                             "signed by another key than the pinned collector key " + pinned.keyId(), "signature");
  if (auto ok = pinned.verify(file.substr(0, parts.value().artifactBytes), parts.value().signature); !ok) {
    auto error = ok.error();
    error.kind = common::ErrorKind::kDenied;
    error.where = "signature";
    return error;
  }
  return parts;
}

}  // namespace mamori::fingerprint
