#include "fingerprint/FingerprintKey.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/Base64Url.h"
#include "common/Crypto.h"
#include "common/LittleEndian.h"

namespace mamori::fingerprint {

FingerprintKey::FingerprintKey(const std::array<unsigned char, kBytes>& bytes) : bytes_(bytes) {
  seed_ = hash64("winnow-seed", {});
}

common::Result<FingerprintKey> FingerprintKey::generate() {
  std::array<unsigned char, kBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return common::makeError(common::ErrorKind::kUnavailable, "no random bytes for the fingerprint key");
  return FingerprintKey(bytes);
}

common::Result<FingerprintKey> FingerprintKey::fromText(std::string_view text) {
  auto raw = common::base64UrlDecode(text);
  if (!raw || raw->size() != kBytes)
    return common::makeError(common::ErrorKind::kCorrupt, "expected 32 bytes as base64url (43 characters)",
                             "fingerprint key");
  std::array<unsigned char, kBytes> bytes{};
  std::copy(raw->begin(), raw->end(), bytes.begin());
  return FingerprintKey(bytes);
}

std::string FingerprintKey::text() const {
  return common::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

std::string FingerprintKey::keyId() const {
  return common::sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size())).substr(0, 16);
}

std::uint64_t FingerprintKey::hash64(std::string_view domain, std::string_view bytes) const {
  std::string message;
  message.reserve(domain.size() + 1 + bytes.size());
  message.append(domain);
  message.push_back('\0');
  message.append(bytes);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), bytes_.data(), static_cast<int>(bytes_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return common::le64(std::string_view(reinterpret_cast<const char*>(digest), 8), 0);
}

}  // namespace mamori::fingerprint
