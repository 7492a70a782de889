#include "fingerprint/FingerprintKey.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/Base64Url.h"
#include "common/Crypto.h"
#include "common/LittleEndian.h"
#include "common/OpenSslHandles.h"

namespace mamori::fingerprint {

// HMAC (RFC 2104) with the two key blocks hashed once: every hash64 then starts from copies of these
// states instead of setting up an HMAC from the key (OpenSSL 3's one-shot HMAC() looks the algorithm
// up on each call, several times the cost of the two SHA-256 blocks a short message needs).
struct FingerprintKey::Pads {
  common::ossl::MdCtxPtr inner{EVP_MD_CTX_new()};
  common::ossl::MdCtxPtr outer{EVP_MD_CTX_new()};
};

FingerprintKey::FingerprintKey(const std::array<unsigned char, kBytes>& bytes) : bytes_(bytes) {
  auto pads = std::make_shared<Pads>();
  std::array<unsigned char, 64> ipad{}, opad{};
  for (std::size_t i = 0; i < ipad.size(); ++i) {
    const unsigned char k = i < bytes.size() ? bytes[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  // Without a digest context nothing can be hashed at all: a broken invariant, not an input error.
  MAMORI_ASSERT(pads->inner && pads->outer && EVP_DigestInit_ex(pads->inner.get(), EVP_sha256(), nullptr) == 1 &&
                EVP_DigestUpdate(pads->inner.get(), ipad.data(), ipad.size()) == 1 &&
                EVP_DigestInit_ex(pads->outer.get(), EVP_sha256(), nullptr) == 1 &&
                EVP_DigestUpdate(pads->outer.get(), opad.data(), opad.size()) == 1);
  pads_ = std::move(pads);
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
  thread_local const common::ossl::MdCtxPtr ctx{EVP_MD_CTX_new()};
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char separator = 0;
  MAMORI_ASSERT(
      ctx && EVP_MD_CTX_copy_ex(ctx.get(), pads_->inner.get()) == 1 &&
      EVP_DigestUpdate(ctx.get(), domain.data(), domain.size()) == 1 &&
      EVP_DigestUpdate(ctx.get(), &separator, 1) == 1 && EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) == 1 &&
      EVP_DigestFinal_ex(ctx.get(), inner, &length) == 1 && EVP_MD_CTX_copy_ex(ctx.get(), pads_->outer.get()) == 1 &&
      EVP_DigestUpdate(ctx.get(), inner, length) == 1 && EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1);
  return common::le64(std::string_view(reinterpret_cast<const char*>(digest), 8), 0);
}

}  // namespace mamori::fingerprint
