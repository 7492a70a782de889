#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <bit>
#include <random>
#include <set>

#include "common/Base64Url.h"
#include "fingerprint/Sampling.h"
#include "fingerprint/TextNormalizer.h"

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
  CHECK(!std::equal(a.gearTable(), a.gearTable() + fp::FingerprintKey::kGearSlots, b.gearTable()));
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

TEST_CASE("SipKey::hashMany gives hash() of each string, in any mix of lengths") {
  // Eight of one length at a time where the processor has AVX-512 (groups of 3 to 8 lanes, up to four
  // lengths open at once, the rest alone): against hash() one by one, for counts around the groups'
  // sizes and lengths of 0 to 70 bytes (whole words, tails of 1 to 7 bytes), two or many lengths mixed.
  const fp::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::mt19937 rng(66);
  for (int round = 0; round < 400; ++round) {
    const std::size_t count = rng() % 40;
    const std::size_t kinds = 1 + rng() % (round % 2 == 0 ? 2 : 9);
    std::vector<std::uint32_t> choices;
    for (std::size_t i = 0; i < kinds; ++i) choices.push_back(static_cast<std::uint32_t>(rng() % 71));
    std::vector<unsigned char> base;
    std::vector<std::uint32_t> offsets, lengths;
    for (std::size_t i = 0; i < count; ++i) {
      lengths.push_back(choices[rng() % choices.size()]);
      offsets.push_back(static_cast<std::uint32_t>(base.size()));
      for (std::uint32_t b = 0; b < lengths.back(); ++b) base.push_back(static_cast<unsigned char>(rng()));
      for (int b = 0; b < 8; ++b) base.push_back(static_cast<unsigned char>(rng()));  // read, not hashed
    }
    base.push_back(0);
    std::vector<std::uint64_t> many(count + 1, 0);
    key.hashMany(base.data(), offsets.data(), lengths.data(), count, many.data());
    for (std::size_t i = 0; i < count; ++i) {
      const std::string_view bytes(reinterpret_cast<const char*>(base.data()) + offsets[i], lengths[i]);
      REQUIRE_MESSAGE(many[i] == key.hash(bytes), "round " << round << " string " << i << " of " << lengths[i]);
    }
    CHECK(many[count] == 0);
  }
}

TEST_CASE("selection depends on the k-gram alone: its fingerprint does not depend on what surrounds it") {
  const auto key = testKey();
  const auto shared = randomText(40, 5);
  const auto alone = fp::sampleKgrams(shared, key, {16, 1});  // every 1: every k-gram is selected
  const auto inside = fp::sampleKgrams(randomText(23, 9) + shared + randomText(7, 3), key, {16, 1});
  REQUIRE(alone.size() == 25);
  REQUIRE(inside.size() == 23 + 25 + 7);
  for (std::size_t i = 0; i < alone.size(); ++i) CHECK(inside[23 + i].hash == alone[i].hash);
  std::string gram;
  for (std::size_t i = 0; i < 16; ++i) fp::appendUtf8(gram, shared[i]);
  CHECK(alone[0].hash == key.documentHash(gram));
  // Every k-gram of the text alone is one of the longer text, selected or not the same way.
  for (const std::size_t every : {4UL, 32UL}) {
    const auto longer = randomText(600, 11);
    const auto text = randomText(23, 9) + longer + randomText(7, 3);
    std::vector<std::uint64_t> a, b;
    for (const auto& f : fp::sampleKgrams(longer, key, {16, every})) a.push_back(f.hash);
    for (const auto& f : fp::sampleKgrams(text, key, {16, every}))
      if (f.position >= 23 && f.position + 16 <= 23 + longer.size()) b.push_back(f.hash);
    CHECK(a == b);
    CHECK(!a.empty());
  }
}

TEST_CASE("sampling keeps about one k-gram in `every`, in order, and the key decides which") {
  const auto key = testKey();
  const auto text = randomText(40000, 7);
  const auto fps = fp::sampleKgrams(text, key);
  const double density = static_cast<double>(fps.size()) / static_cast<double>(text.size());
  CHECK(density > 0.8 / 32);
  CHECK(density < 1.2 / 32);
  for (std::size_t i = 1; i < fps.size(); ++i) CHECK(fps[i].position > fps[i - 1].position);
  const auto other = fp::sampleKgrams(text, testKey('B'));
  std::size_t same = 0;
  for (std::size_t i = 0, j = 0; i < fps.size() && j < other.size();) {
    if (fps[i].position == other[j].position) ++same;
    if (fps[i].position <= other[j].position)
      ++i;
    else
      ++j;
  }
  CHECK(same < fps.size() / 4);  // about 1 in 32 by chance
  // Japanese text too (the gear table's slots are a hash of the code point).
  std::u32string japanese;
  unsigned x = 3;
  for (int i = 0; i < 40000; ++i) {
    x = x * 1103515245u + 12345u;
    japanese.push_back(static_cast<char32_t>((x >> 16) % 3 == 0 ? 0x3041 + (x >> 8) % 83 : 0x4E00 + (x >> 4) % 3000));
  }
  const double japaneseDensity =
      static_cast<double>(fp::sampleKgrams(japanese, key).size()) / static_cast<double>(japanese.size());
  CHECK(japaneseDensity > 0.8 / 32);
  CHECK(japaneseDensity < 1.2 / 32);
}

TEST_CASE("a shared run of 300 characters is almost always found, 47 often not") {
  // Sampling guarantees no minimum run (decision 0063); measure how often runs carry fingerprints.
  const auto key = testKey();
  int found300 = 0, found47 = 0, three300 = 0;
  constexpr int kRuns = 400;
  for (unsigned seed = 1; seed <= kRuns; ++seed) {
    const auto run = randomText(300, seed * 31);
    const auto fps = fp::sampleKgrams(run, key);
    found300 += fps.empty() ? 0 : 1;
    three300 += fps.size() >= 3 ? 1 : 0;
    found47 += fp::sampleKgrams(run.substr(0, 47), key).empty() ? 0 : 1;
  }
  CHECK(found300 >= kRuns - 2);         // expected misses: 400 x e^-8.9, about 0.05
  CHECK(three300 >= kRuns * 95 / 100);  // at least 3 (what containment needs): about 99%
  CHECK(found47 < kRuns * 80 / 100);    // 32 k-grams: about 64% carry one
}

TEST_CASE("short texts") {
  const auto key = testKey();
  CHECK(fp::sampleKgrams(U"short", key).empty());
  CHECK(fp::sampleKgrams(std::u32string(16, U'x'), key, {16, 1}).size() == 1);
  CHECK(fp::fingerprintText("short", key).empty());
}

TEST_CASE("hash64 is HMAC-SHA-256 over domain, NUL and bytes, its first 8 bytes little-endian") {
  // hash64 derives the SipHash keys (and the gear table's key) (and was what set format 2 stored).
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

TEST_CASE("the selected positions are those whose k-gram's gear sum has its selection bits zero") {
  // The definition, one k-gram at a time: the sum rebuilt here from the key's gear table, against the
  // rolling selection of fingerprintText. Texts of two or three letters repeat their k-grams.
  const auto key = testKey();
  for (const std::size_t letters : {2U, 3U, 26U}) {
    for (const fp::SamplingParams params : {fp::SamplingParams{16, 32}, fp::SamplingParams{4, 4},
                                            fp::SamplingParams{3, 1}, fp::SamplingParams{32, 1024}}) {
      std::u32string text;
      unsigned x = static_cast<unsigned>(letters * 7 + params.every);
      for (std::size_t i = 0; i < 30000 + letters + params.k; ++i) {
        x = x * 1103515245u + 12345u;
        text.push_back(U'a' + ((x >> 16) % letters));
      }
      std::vector<std::uint32_t> expected;
      const unsigned bits = static_cast<unsigned>(std::countr_zero(params.every));
      for (std::size_t i = 0; i + params.k <= text.size(); ++i) {
        std::uint64_t sum = 0;
        for (std::size_t j = 0; j < params.k; ++j)
          sum += std::uint64_t{key.gearTable()[fp::gearSlot(text[i + j])]} << (params.k - 1 - j);
        if (((sum >> (params.k - bits)) & ((std::uint64_t{1} << bits) - 1)) == 0)
          expected.push_back(static_cast<std::uint32_t>(i));
      }
      std::vector<std::uint32_t> got, reference;
      std::string utf8;
      fp::appendUtf8(utf8, text);
      for (const auto& f : fp::fingerprintText(utf8, key, params)) got.push_back(f.position);
      for (const auto& f : fp::sampleKgrams(text, key, params)) reference.push_back(f.position);
      CHECK_MESSAGE(got == expected, letters << " letters, k " << params.k << ", every " << params.every);
      CHECK(reference == expected);
    }
  }
  CHECK_FALSE(fp::validSamplingParams({16, 3}));
  CHECK_FALSE(fp::validSamplingParams({4, 32}));
  CHECK_FALSE(fp::validSamplingParams({33, 32}));
  CHECK_FALSE(fp::validSamplingParams({0, 1}));
  CHECK(fp::validSamplingParams({16, 32}));
}
