#include "common/Crypto.h"

// SHA-256 goes through OpenSSL's low-level interface (deprecated in OpenSSL 3, still present; the
// same assembly, SHA-NI where the CPU has it, as EVP's provider). EVP's first use initialises the
// library: the default provider, every cipher and digest registered by name, openssl.cnf read, and
// their cleanup at exit, about 1 ms of CPU, the largest piece of a re-scan of an unchanged tree
// after the process start itself (`mamori-scan` hashes only its cache key and the compiled rules'
// names there). The low-level functions initialise nothing (docs/decisions/0054).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

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
  SHA256_CTX context;
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  // SHA-256 over memory cannot fail: a failure is a broken invariant, not an input error.
  MAMORI_ASSERT(SHA256_Init(&context) == 1 && SHA256_Update(&context, data.data(), data.size()) == 1 &&
                SHA256_Final(digest.data(), &context) == 1);
  return toHex(digest.data(), digest.size());
}

Sha256::Sha256() : context_(new SHA256_CTX) { MAMORI_ASSERT(SHA256_Init(static_cast<SHA256_CTX*>(context_)) == 1); }

Sha256::~Sha256() {
  OPENSSL_cleanse(context_, sizeof(SHA256_CTX));
  delete static_cast<SHA256_CTX*>(context_);
}

void Sha256::update(std::string_view data) {
  MAMORI_ASSERT(SHA256_Update(static_cast<SHA256_CTX*>(context_), data.data(), data.size()) == 1);
}

std::string Sha256::hex() {
  auto* context = static_cast<SHA256_CTX*>(context_);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  MAMORI_ASSERT(SHA256_Final(digest.data(), context) == 1 && SHA256_Init(context) == 1);
  return toHex(digest.data(), digest.size());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mamori::common
