#include "fingerprint/FingerprintKey.h"

// The low-level SHA-256 interface is deprecated in OpenSSL 3 in favour of EVP, but it is the only one
// whose state is a plain struct: an HMAC per candidate value then starts from a copy of the two
// precomputed key blocks (112 bytes each) with no allocation. EVP_MD_CTX_copy_ex allocates and frees
// the provider's context on each copy and cleanses it, which cost more than the two SHA-256 blocks a
// short message needs. Both run the same assembly (SHA-NI where the CPU has it).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <bit>
#include <cstring>

#include "common/Base64Url.h"
#include "common/Crypto.h"
#include "common/LittleEndian.h"

namespace mamori::fingerprint {

// HMAC (RFC 2104) with the two key blocks hashed once: every hash64 starts from copies of these states
// instead of setting up an HMAC from the key.
struct FingerprintKey::Pads {
  SHA256_CTX inner{};
  SHA256_CTX outer{};
};

FingerprintKey::FingerprintKey(const std::array<unsigned char, kBytes>& bytes) : bytes_(bytes) {
  auto pads = std::make_shared<Pads>();
  std::array<unsigned char, SHA256_CBLOCK> ipad{}, opad{};
  for (std::size_t i = 0; i < ipad.size(); ++i) {
    const unsigned char k = i < bytes.size() ? bytes[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  // SHA-256 over memory cannot fail: a failure is a broken invariant, not an input error.
  MAMORI_ASSERT(SHA256_Init(&pads->inner) == 1 && SHA256_Update(&pads->inner, ipad.data(), ipad.size()) == 1 &&
                SHA256_Init(&pads->outer) == 1 && SHA256_Update(&pads->outer, opad.data(), opad.size()) == 1);
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
  pads_ = std::move(pads);
  docKey_ = derive("doc");
  const SipKey gearKey = derive("gear");
  auto gear = std::make_shared<std::array<std::uint32_t, kGearSlots>>();
  for (std::size_t slot = 0; slot < kGearSlots; ++slot) {
    const char slotBytes[2] = {static_cast<char>(slot & 0xFF), static_cast<char>(slot >> 8)};
    (*gear)[slot] = static_cast<std::uint32_t>(gearKey.hash(std::string_view(slotBytes, 2)));
  }
  gear_ = std::move(gear);
  for (std::size_t kind = 0; kind < kEdmKinds; ++kind) edmKeys_[kind] = derive(edmDomain(static_cast<EdmKind>(kind)));
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

void FingerprintKey::hmac(std::string_view domain, std::string_view bytes, unsigned char* digest) const {
  SHA256_CTX ctx = pads_->inner;
  unsigned char inner[SHA256_DIGEST_LENGTH];
  const unsigned char separator = 0;
  MAMORI_ASSERT(SHA256_Update(&ctx, domain.data(), domain.size()) == 1 && SHA256_Update(&ctx, &separator, 1) == 1 &&
                SHA256_Update(&ctx, bytes.data(), bytes.size()) == 1 && SHA256_Final(inner, &ctx) == 1);
  ctx = pads_->outer;
  MAMORI_ASSERT(SHA256_Update(&ctx, inner, sizeof inner) == 1 && SHA256_Final(digest, &ctx) == 1);
}

std::uint64_t FingerprintKey::hash64(std::string_view domain, std::string_view bytes) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  hmac(domain, bytes, digest);
  return common::le64(std::string_view(reinterpret_cast<const char*>(digest), 8), 0);
}

SipKey FingerprintKey::derive(std::string_view use) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  hmac("siphash-2-4 key", use, digest);
  const std::string_view view(reinterpret_cast<const char*>(digest), 16);
  const SipKey key{common::le64(view, 0), common::le64(view, 8)};
  OPENSSL_cleanse(digest, sizeof digest);
  return key;
}

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void compress(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

std::uint64_t loadLe64(const unsigned char* p) {
  // One load (the byte loop it replaces was compiled as eight loads and shifts a word).
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

std::uint64_t SipKey::hash(std::string_view bytes) const {
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.compress(loadLe64(p + i));
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xFF) << 56;
  for (std::size_t i = 0; i < n % 8; ++i) last |= static_cast<std::uint64_t>(p[whole + i]) << (8 * i);
  s.compress(last);
  s.v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace mamori::fingerprint
