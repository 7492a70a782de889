#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <set>

#include "common/Base64Url.h"
#include "fingerprint/TextNormalizer.h"
#include "fingerprint/Winnowing.h"

namespace fp = mamori::fingerprint;

namespace {

fp::FingerprintKey testKey(char fill = 'A') {
  return fp::FingerprintKey::fromText(std::string(42, fill) + "A").value();
}

std::u32string randomText(std::size_t n, unsigned seed) {
  std::u32string out;
  unsigned x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out.push_back(U'a' + ((x >> 16) % 26));
  }
  return out;
}

}  // namespace

TEST_CASE("the key's text form round-trips and bad keys are refused") {
  auto key = fp::FingerprintKey::generate();
  REQUIRE(key);
  auto again = fp::FingerprintKey::fromText(key.value().text());
  REQUIRE(again);
  CHECK(again.value().keyId() == key.value().keyId());
  CHECK(again.value().hash64("doc", "x") == key.value().hash64("doc", "x"));
  CHECK_FALSE(fp::FingerprintKey::fromText("short"));
  CHECK_FALSE(fp::FingerprintKey::fromText(std::string(43, '!')));
}

TEST_CASE("hashes depend on the key and on the domain") {
  const auto a = testKey('A');
  const auto b = testKey('B');
  CHECK(a.hash64("doc", "abc") != b.hash64("doc", "abc"));
  CHECK(a.hash64("doc", "abc") != a.hash64("edm:name", "abc"));
  CHECK(a.documentHash("abc") != b.documentHash("abc"));
  CHECK(a.valueHash(fp::EdmKind::kName, "abc") != b.valueHash(fp::EdmKind::kName, "abc"));
  CHECK(a.documentHash("abc") != a.valueHash(fp::EdmKind::kName, "abc"));
  CHECK(a.valueHash(fp::EdmKind::kName, "abc") != a.valueHash(fp::EdmKind::kText, "abc"));
  CHECK(a.rollingBase() != b.rollingBase());
  CHECK(a.rollingBase() % 2 == 1);
}

TEST_CASE("SipHash-2-4 gives the reference vectors") {
  // Key 00 01 .. 0f; messages 00 01 .. (n-1): the paper's (Aumasson, Bernstein 2012) vectors for 0 and
  // 15 bytes, the others from an independent implementation.
  const fp::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  const auto message = [](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(i));
    return out;
  };
  CHECK(key.hash("") == 0x726fdb47dd0e0e31ULL);
  CHECK(key.hash(message(15)) == 0xa129ca6149be45e5ULL);
  CHECK(key.hash(message(64)) == 0xacd2c40b8502cad8ULL);
  CHECK(key.hash("abc") == 0x5dbcfa53aa2007a5ULL);
  CHECK(key.hash("山田太郎") == 0x76aeb95622f8e62cULL);
}

TEST_CASE("the selection hash rolls: a k-gram's fingerprint does not depend on what surrounds it") {
  const auto key = testKey();
  const auto shared = randomText(40, 5);
  const auto alone = fp::winnow(shared, key, {16, 1});  // window 1: every k-gram is selected
  const auto inside = fp::winnow(randomText(23, 9) + shared + randomText(7, 3), key, {16, 1});
  REQUIRE(alone.size() == 25);
  REQUIRE(inside.size() == 23 + 25 + 7);
  for (std::size_t i = 0; i < alone.size(); ++i) CHECK(inside[23 + i].hash == alone[i].hash);
  std::string gram;
  for (std::size_t i = 0; i < 16; ++i) fp::appendUtf8(gram, shared[i]);
  CHECK(alone[0].hash == key.documentHash(gram));
  // Every window of the text alone is a window of the longer one, with the same selection values
  // (rolled from another start): the same k-grams are selected.
  const auto a = fp::distinctHashes(fp::winnow(shared, key, {16, 4}));
  const auto b = fp::distinctHashes(fp::winnow(randomText(23, 9) + shared + randomText(7, 3), key, {16, 4}));
  CHECK(std::includes(b.begin(), b.end(), a.begin(), a.end()));
}

TEST_CASE("winnowing keeps about 2/(w+1) of the positions, in order") {
  const auto key = testKey();
  const auto text = randomText(20000, 7);
  const auto fps = fp::winnow(text, key);
  const double density = static_cast<double>(fps.size()) / static_cast<double>(text.size());
  CHECK(density > 0.04);
  CHECK(density < 0.09);
  for (std::size_t i = 1; i < fps.size(); ++i) {
    CHECK(fps[i].position > fps[i - 1].position);
    CHECK(fps[i].position - fps[i - 1].position <= 32);  // at least one per window
  }
}

TEST_CASE("any shared run of w+k-1 characters shares a fingerprint") {
  const auto key = testKey();
  for (unsigned seed = 1; seed <= 30; ++seed) {
    const auto shared = randomText(47, seed * 31);
    const auto a = randomText(500, seed) + shared + randomText(300, seed + 100);
    const auto b = randomText(200, seed + 200) + shared + randomText(400, seed + 300);
    const auto ha = fp::distinctHashes(fp::winnow(a, key));
    const auto hb = fp::distinctHashes(fp::winnow(b, key));
    std::set<std::uint64_t> common(ha.begin(), ha.end());
    bool any = false;
    for (const auto h : hb) any = any || common.count(h) > 0;
    CHECK(any);
  }
}

TEST_CASE("short texts") {
  const auto key = testKey();
  CHECK(fp::winnow(U"short", key).empty());
  CHECK(fp::winnow(std::u32string(16, U'x'), key).size() == 1);
  CHECK(fp::winnow(fp::normalizeText("seventeen chars, long"), key).size() >= 1);
}

TEST_CASE("hash64 is HMAC-SHA-256 over domain, NUL and bytes, its first 8 bytes little-endian") {
  // hash64 derives the SipHash keys and the winnowing parameters (and was what set format 2 stored).
  const auto key = fp::FingerprintKey::fromText(std::string(42, 'z') + "A").value();
  const auto raw = mamori::common::base64UrlDecode(key.text()).value();
  for (const std::string& message : {std::string(""), std::string("abc"), std::string(300, 'x'), std::string("山田")}) {
    const std::string input = std::string("edm:name") + '\0' + message;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), raw.data(), static_cast<int>(raw.size()), reinterpret_cast<const unsigned char*>(input.data()),
         input.size(), digest, &length);
    std::uint64_t expected = 0;
    for (int i = 7; i >= 0; --i) expected = (expected << 8) | digest[i];
    CHECK(key.hash64("edm:name", message) == expected);
  }
}

TEST_CASE("the selected positions are each window's rightmost minimum, ties included") {
  // The definition, one window at a time: the selection hash rebuilt here from the key's base and
  // seed (decision 0049), every window searched whole. Texts of two or three letters repeat their
  // k-grams, so windows hold equal hashes and the rightmost one must win.
  const auto key = testKey();
  const auto mix = [](std::uint64_t h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  };
  for (const std::size_t letters : {2U, 3U, 26U}) {
    for (const fp::WinnowParams params : {fp::WinnowParams{16, 32}, fp::WinnowParams{4, 5}, fp::WinnowParams{3, 1}}) {
      std::u32string text;
      unsigned x = static_cast<unsigned>(letters * 7 + params.window);
      for (std::size_t i = 0; i < 3000 + letters + params.k; ++i) {  // odd and even counts of k-grams
        x = x * 1103515245u + 12345u;
        text.push_back(U'a' + ((x >> 16) % letters));
      }
      std::vector<std::uint64_t> hashes;
      for (std::size_t i = 0; i + params.k <= text.size(); ++i) {
        std::uint64_t rolling = 0;
        for (std::size_t j = 0; j < params.k; ++j) rolling = rolling * key.rollingBase() + text[i + j];
        hashes.push_back(mix(rolling ^ key.seed()));
      }
      std::vector<std::uint32_t> expected;
      const std::size_t window = std::min(params.window, hashes.size());
      for (std::size_t end = window - 1; end < hashes.size(); ++end) {
        std::size_t best = end + 1 - window;
        for (std::size_t i = best; i <= end; ++i)
          if (hashes[i] <= hashes[best]) best = i;
        if (expected.empty() || expected.back() != best) expected.push_back(static_cast<std::uint32_t>(best));
      }
      std::vector<std::uint32_t> got;
      for (const auto& f : fp::winnow(text, key, params)) got.push_back(f.position);
      CHECK_MESSAGE(got == expected, letters << " letters, k " << params.k << ", w " << params.window);
    }
  }
}
