#include "common/Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <vector>

#include "common/Result.h"

namespace mamori::common {

namespace {
std::string toHex(const unsigned char* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4U]);
    out.push_back(kDigits[data[i] & 0xFU]);
  }
  return out;
}
}  // namespace

void randomBytes(unsigned char* buf, std::size_t len) {
  MAMORI_ASSERT(len <= INT_MAX);
  MAMORI_ASSERT(RAND_bytes(buf, static_cast<int>(len)) == 1);
}

std::string randomHex(std::size_t len) {
  std::vector<unsigned char> bytes(len);
  randomBytes(bytes.data(), bytes.size());
  return toHex(bytes.data(), bytes.size());
}

std::string sha256Hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex();
}

// OpenSSL fails here only without memory or without SHA-256 itself: nothing sensible can go on.
Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  MAMORI_ASSERT(context_ != nullptr);
  MAMORI_ASSERT(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::update(std::string_view data) {
  MAMORI_ASSERT(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size()) == 1);
}

std::string Sha256::hex() {
  auto* context = static_cast<EVP_MD_CTX*>(context_);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digestLen = 0;
  MAMORI_ASSERT(EVP_DigestFinal_ex(context, digest.data(), &digestLen) == 1);
  MAMORI_ASSERT(EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1);
  return toHex(digest.data(), digestLen);
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mamori::common
