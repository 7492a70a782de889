// fingerprintText (one pass over the UTF-8 text) against the two passes it
// replaces, sampleKgrams(normalizeText(text)): the same fingerprints on texts of every sort the scanner
// meets, cut into pieces of many sizes.
#include <doctest/doctest.h>

#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint/Sampling.h"
#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;

namespace {

fp::FingerprintKey testKey() { return fp::FingerprintKey::fromText(std::string(42, 'Q') + "A").value(); }

// Pieces of text by kind: each generated text draws from some of them.
constexpr std::string_view kEnglish[]{"the ",  "plan ", "Market ", "CUSTOMER ", "price, ", "quarter. ", "Q3 ",
                                      "2026 ", "v2:",   "e-mail ", "don't ",    "\n",      "\t",        "  "};
constexpr std::string_view kJapanese[]{"営業",     "顧客",     "計画",   "の", "を", "に", "は",
                                       "。",       "、",       "「",     "」", "（", "）", "　",
                                       "カタカナ", "ひらがな", "第一条", "々", "ヶ", "ー", "〜"};
constexpr std::string_view kWidth[]{"ＡＢＣ", "１２３", "ｶﾞｲﾄﾞ", "ﾗｲﾝ", "ﾊﾟ", "ｱ", "ｰ", "㈱", "①", "ｚ"};
constexpr std::string_view kOther[]{"é",
                                    "\xCC\x81",
                                    "ß",
                                    "İ",
                                    "ﬁ",
                                    "한국어",
                                    "\xE1\x84\x80\xE1\x85\xA1",
                                    "😀",
                                    "\xFF",
                                    "\xE3\x81",
                                    "\xE3\x82\x99",
                                    "Ωμέγα",
                                    "привет ",
                                    "\xEF\xBF\xBD",
                                    "ゟ"};
constexpr std::string_view kFiller[]{" ", "\n", "-", "=", "*", ".", "、", "。", "　", "\r\n", "|", "・"};

std::string generate(std::mt19937& rng, std::size_t bytes,
                     const std::vector<std::span<const std::string_view>>& kinds) {
  std::string text;
  while (text.size() < bytes) {
    if (rng() % 50 == 0) {  // a long run of whitespace or punctuation
      const std::string_view filler = kFiller[rng() % std::size(kFiller)];
      for (std::size_t n = 20 + rng() % 400; n > 0; --n) text += filler;
      continue;
    }
    const auto& kind = kinds[rng() % kinds.size()];
    text += kind[rng() % kind.size()];
  }
  return text;
}

void checkSame(const std::string& text, const fp::FingerprintKey& key, const fp::SamplingParams& params,
               std::size_t pieceBytes) {
  const auto normalized = fp::normalizeText(text);
  const auto expected = fp::sampleKgrams(normalized, key, params);
  std::size_t chars = 0;
  const auto got = fp::fingerprintTextInPieces(text, key, params, pieceBytes, &chars);
  CHECK(chars == normalized.size());
  REQUIRE_MESSAGE(got.size() == expected.size(), text.size() << " bytes, pieces of " << pieceBytes);
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i].position == expected[i].position);
    REQUIRE(got[i].hash == expected[i].hash);
  }
}

}  // namespace

TEST_CASE("the text's fingerprints in one pass are sampleKgrams(normalizeText(text))") {
  const auto key = testKey();
  const std::vector<std::span<const std::string_view>> ascii{kEnglish}, japanese{kJapanese},
      mixed{kEnglish, kJapanese, kWidth}, everything{kEnglish, kJapanese, kWidth, kOther}, width{kWidth, kJapanese};
  std::mt19937 rng(57);
  int texts = 0;
  for (const auto* kinds : {&ascii, &japanese, &mixed, &everything, &width}) {
    // Shorter than k, around a window, around the 8 KiB pieces and the old 128 Ki k-gram buffer.
    for (const std::size_t bytes :
         {0UL, 5UL, 15UL, 16UL, 17UL, 47UL, 48UL, 100UL, 1000UL, 8191UL, 8192UL, 8193UL, 20000UL, 140000UL}) {
      const std::string text = generate(rng, bytes, *kinds);
      checkSame(text, key, {}, 8U << 10U);
      checkSame(text, key, {}, 1 + rng() % 300);  // many pieces: every carry-over path
      ++texts;
    }
  }
  // Other parameters the artifact allows (k 1 to 32, every a power of two up to 1024 and 2^k).
  for (const fp::SamplingParams params :
       {fp::SamplingParams{4, 4}, fp::SamplingParams{3, 1}, fp::SamplingParams{8, 128}, fp::SamplingParams{32, 1024},
        fp::SamplingParams{5, 2}, fp::SamplingParams{1, 2}}) {
    for (int i = 0; i < 40; ++i) {
      const std::string text = generate(rng, rng() % 3000, everything);
      checkSame(text, key, params, 1 + rng() % 500);
      ++texts;
    }
  }
  // Repeated text (the same k-grams again and again, across piece boundaries).
  for (const std::string unit : {"ab", "abc", "あい", "a b", "ｱｲ"}) {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += unit;
    for (const std::size_t pieces : {1UL, 7UL, 64UL, 8192UL}) checkSame(text, key, {}, pieces);
    checkSame(text, key, {4, 4}, 13);
  }
  CHECK(texts > 100);
}

TEST_CASE("a text cut where normalizationCut says normalises as the whole") {
  std::mt19937 rng(58);
  const std::vector<std::span<const std::string_view>> everything{kEnglish, kJapanese, kWidth, kOther};
  for (int i = 0; i < 3000; ++i) {
    const std::string text = generate(rng, 1 + rng() % 200, everything);
    const std::size_t cut = fp::normalizationCut(text, rng() % (text.size() + 1));
    REQUIRE(cut <= text.size());
    const auto whole = fp::normalizeText(text);
    CHECK_MESSAGE(fp::normalizeText(std::string_view(text).substr(0, cut)) +
                          fp::normalizeText(std::string_view(text).substr(cut)) ==
                      whole,
                  text << " cut at " << cut);
  }
  // No cut inside a character, nor between a character and a mark that composes with it.
  CHECK(fp::normalizationCut("e\xCC\x81", 1) == 3);
  CHECK(fp::normalizationCut("ｶﾞｲｲ", 3) == 9);  // not before ｲ: ﾞ composes with what precedes it
  CHECK(fp::normalizationCut("漢字", 1) == 3);
  CHECK(fp::normalizationCut("ab", 1) == 1);
  CHECK(fp::normalizationCut("abc", 0) == 0);
  CHECK(fp::normalizationCut("abc", 9) == 3);
}

TEST_CASE("a text and the text followed by a line feed have the same fingerprints") {
  // The scanner matches a file of one piece on its text alone and a file of several on their texts
  // each followed by '\n' (scan/ContentInspector.cpp): the same answers need the same fingerprints.
  const auto key = testKey();
  std::mt19937 rng(59);
  const std::vector<std::span<const std::string_view>> everything{kEnglish, kJapanese, kWidth, kOther};
  for (int i = 0; i < 600; ++i) {
    const std::string whole = generate(rng, 1 + rng() % 3000, everything);
    // Cut anywhere: inside a character, before a combining or voiced mark, after a half-width form.
    const std::string text = whole.substr(0, rng() % (whole.size() + 1));
    for (const fp::SamplingParams params : {fp::SamplingParams{}, fp::SamplingParams{4, 4}}) {
      std::size_t chars = 0, charsWithLineFeed = 0;
      const auto got = fp::fingerprintText(text, key, params, &chars);
      const auto withLineFeed = fp::fingerprintText(text + "\n", key, params, &charsWithLineFeed);
      CHECK(chars == charsWithLineFeed);
      REQUIRE_MESSAGE(got.size() == withLineFeed.size(), text);
      for (std::size_t j = 0; j < got.size(); ++j) {
        REQUIRE(got[j].position == withLineFeed[j].position);
        REQUIRE(got[j].hash == withLineFeed[j].hash);
      }
    }
  }
}
