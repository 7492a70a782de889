#include <doctest/doctest.h>

#include <string>

#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;

namespace {

std::string utf8(const std::u32string& text) {
  std::string out;
  for (const char32_t c : text) fp::appendUtf8(out, c);
  return out;
}

}  // namespace

TEST_CASE("case, whitespace and punctuation do not change the normalised text") {
  CHECK(utf8(fp::normalizeText("The Plan, v2:\n  launch  in Q3!")) == "theplanv2launchinq3");
  CHECK(fp::normalizeText("The Plan, v2: launch in Q3!") == fp::normalizeText("the plan v2 -- LAUNCH\tin q3"));
}

TEST_CASE("full-width and half-width forms meet (NFKC)") {
  // Full-width Latin letters and digits, half-width katakana.
  CHECK(utf8(fp::normalizeText("ＡＢＣ１２３")) == "abc123");
  CHECK(fp::normalizeText("ｶﾞｲﾄﾞﾗｲﾝ") == fp::normalizeText("ガイドライン"));
  CHECK(fp::normalizeText("㈱マモリ") == fp::normalizeText("(株)まもり"));
}

TEST_CASE("katakana and hiragana are one") {
  CHECK(fp::normalizeText("ヤマダ タロウ") == fp::normalizeText("やまだ たろう"));
  CHECK(fp::foldKana(U'ア') == U'あ');
  CHECK(fp::foldKana(U'ヶ') == U'ゖ');
  CHECK(fp::foldKana(U'漢') == U'漢');
}

TEST_CASE("Japanese punctuation and spaces are dropped, kanji kept") {
  CHECK(utf8(fp::normalizeText("第一条（目的）　本契約は、")) == "第一条目的本契約は");
}

TEST_CASE("invalid UTF-8 is skipped, not fatal") {
  CHECK(utf8(fp::normalizeText(std::string("ab\xff\xfe"
                                           "cd"))) == "abcd");
  CHECK(fp::normalizeText("").empty());
}

TEST_CASE("a text longer than one slice normalises like its parts") {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "営業秘密 line " + std::to_string(i) + "\n";
  const auto whole = fp::normalizeText(big);
  std::u32string parts;
  std::size_t from = 0;
  while (from < big.size()) {
    const std::size_t end = big.find('\n', from);
    parts += fp::normalizeText(std::string_view(big).substr(from, end - from));
    from = end + 1;
  }
  CHECK(whole == parts);
}
