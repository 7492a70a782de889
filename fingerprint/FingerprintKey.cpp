#include "fingerprint/FingerprintKey.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "fingerprint/Avx512.h"
#endif

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
#include "common/CpuFeatures.h"
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

namespace {

#if defined(__x86_64__)
MAMORI_AVX512_BEGIN
struct SipLanes {
  __m512i v0, v1, v2, v3;
};

__attribute__((target("avx512f"))) inline void sipRound(SipLanes& s) {
  s.v0 = _mm512_add_epi64(s.v0, s.v1);
  s.v1 = _mm512_rol_epi64(s.v1, 13);
  s.v1 = _mm512_xor_si512(s.v1, s.v0);
  s.v0 = _mm512_rol_epi64(s.v0, 32);
  s.v2 = _mm512_add_epi64(s.v2, s.v3);
  s.v3 = _mm512_rol_epi64(s.v3, 16);
  s.v3 = _mm512_xor_si512(s.v3, s.v2);
  s.v0 = _mm512_add_epi64(s.v0, s.v3);
  s.v3 = _mm512_rol_epi64(s.v3, 21);
  s.v3 = _mm512_xor_si512(s.v3, s.v0);
  s.v2 = _mm512_add_epi64(s.v2, s.v1);
  s.v1 = _mm512_rol_epi64(s.v1, 17);
  s.v1 = _mm512_xor_si512(s.v1, s.v2);
  s.v2 = _mm512_rol_epi64(s.v2, 32);
}

__attribute__((target("avx512f"))) inline void sipCompress(SipLanes& s, __m512i m) {
  s.v3 = _mm512_xor_si512(s.v3, m);
  sipRound(s);
  sipRound(s);
  s.v0 = _mm512_xor_si512(s.v0, m);
}

__attribute__((target("avx512f"))) inline __m512i loadLanes(const long long* lanes) {
  return _mm512_loadu_si512(lanes);
}

// SipHash-2-4 of eight strings of one length n, one in each 64-bit lane: the rounds of SipState on
// vectors (a rotation is one instruction), the message words gathered from base + offsets[lane].
// Eight lanes take about as long as one or two scalar hashes (whose rounds wait on each other).
__attribute__((target("avx512f"))) void sipEight(const SipKey& key, const unsigned char* base,
                                                 const std::uint32_t* offsets, std::size_t n, std::uint64_t* out) {
  SipLanes s{_mm512_set1_epi64(static_cast<long long>(key.k0 ^ 0x736f6d6570736575ULL)),
             _mm512_set1_epi64(static_cast<long long>(key.k1 ^ 0x646f72616e646f6dULL)),
             _mm512_set1_epi64(static_cast<long long>(key.k0 ^ 0x6c7967656e657261ULL)),
             _mm512_set1_epi64(static_cast<long long>(key.k1 ^ 0x7465646279746573ULL))};
  // The message words by scalar loads (a vector gather is slower on processors with the mitigation
  // for its data sampling flaw).
  const auto word = [&](std::size_t lane, std::size_t i) {
    std::uint64_t v = 0;
    std::memcpy(&v, base + offsets[lane] + i, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return static_cast<long long>(v);
  };
  const auto words = [&](std::size_t i) {
    return std::array<long long, 8>{word(0, i), word(1, i), word(2, i), word(3, i),
                                    word(4, i), word(5, i), word(6, i), word(7, i)};
  };
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) sipCompress(s, loadLanes(words(i).data()));
  // The last word: the bytes after the whole words (and the zeros above them), the length in the top byte.
  const std::uint64_t lengthByte = static_cast<std::uint64_t>(n & 0xFFU) << 56U;
  __m512i last = _mm512_set1_epi64(static_cast<long long>(lengthByte));
  if (n % 8 != 0) {
    const std::uint64_t below = (std::uint64_t{1} << (8 * (n % 8))) - 1;
    last = _mm512_or_si512(
        last, _mm512_and_si512(loadLanes(words(whole).data()), _mm512_set1_epi64(static_cast<long long>(below))));
  }
  sipCompress(s, last);
  s.v2 = _mm512_xor_si512(s.v2, _mm512_set1_epi64(0xFF));
  for (int i = 0; i < 4; ++i) sipRound(s);
  const __m512i h = _mm512_xor_si512(_mm512_xor_si512(s.v0, s.v1), _mm512_xor_si512(s.v2, s.v3));
  _mm512_storeu_si512(out, h);
}
MAMORI_AVX512_END

bool haveAvx512() {
  static const bool have = common::cpuHas(common::CpuFeature::kAvx512f);
  return have;
}
#else
bool haveAvx512() { return false; }
#endif

}  // namespace

void SipKey::hashMany(const unsigned char* base, const std::uint32_t* offsets, const std::uint32_t* lengths,
                      std::size_t count, std::uint64_t* out) const {
  const auto one = [&](std::size_t i) {
    out[i] = hash(std::string_view(reinterpret_cast<const char*>(base) + offsets[i], lengths[i]));  // NOLINT
  };
#if defined(__x86_64__)
  if (haveAvx512()) {
    // Strings of one length are hashed eight at a time: a few groups are kept open at once (a text's
    // k-grams are mostly of one or two lengths: all ASCII, all kana and kanji); a string of another
    // length, and what is left in a group at the end, is hashed alone.
    struct Group {
      std::uint32_t length = 0;
      std::size_t size = 0;
      std::uint32_t index[8] = {};
    };
    constexpr std::size_t kGroups = 4;
    Group groups[kGroups];
    std::size_t open = 0;
    std::uint32_t at[8];
    std::uint64_t hashed[8];
    const auto run = [&](Group& group) {
      for (std::size_t lane = 0; lane < 8; ++lane) at[lane] = offsets[group.index[lane < group.size ? lane : 0]];
      sipEight(*this, base, at, group.length, hashed);
      for (std::size_t lane = 0; lane < group.size; ++lane) out[group.index[lane]] = hashed[lane];
      group.size = 0;
    };
    for (std::size_t i = 0; i < count; ++i) {
      Group* group = nullptr;
      for (std::size_t g = 0; g < open; ++g)
        if (groups[g].length == lengths[i]) group = &groups[g];
      if (group == nullptr && open < kGroups) {
        group = &groups[open++];
        group->length = lengths[i];
      }
      if (group == nullptr) {
        one(i);
        continue;
      }
      group->index[group->size++] = static_cast<std::uint32_t>(i);
      if (group->size == 8) run(*group);
    }
    for (std::size_t g = 0; g < open; ++g) {
      if (groups[g].size >= 3) {
        run(groups[g]);
      } else {
        for (std::size_t lane = 0; lane < groups[g].size; ++lane) one(groups[g].index[lane]);
      }
    }
    return;
  }
#endif
  for (std::size_t i = 0; i < count; ++i) one(i);
}

}  // namespace mamori::fingerprint
