#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

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

TEST_CASE("ASCII text (normalised without ICU) gives what ICU gives") {
  // A leading é makes the text non-ASCII, so it goes through ICU; it normalises to itself and is kept.
  std::mt19937 rng(35);
  std::string every;
  for (int c = 0; c < 0x80; ++c) every.push_back(static_cast<char>(c));
  std::vector<std::string> texts{every, "", "Taro.Yamada+dlp@Example.CO.JP", "090-1234-5678", "(03) 1234 5678"};
  for (int i = 0; i < 500; ++i) {
    std::string text;
    for (std::size_t n = rng() % 40; n > 0; --n) text.push_back(static_cast<char>(rng() % 0x80));
    texts.push_back(text);
  }
  for (const auto& text : texts) {
    const std::u32string viaIcu = fp::normalizeText("\xC3\xA9" + text);
    REQUIRE(!viaIcu.empty());
    CHECK(viaIcu.front() == U'\u00E9');
    CHECK(fp::normalizeText(text) == viaIcu.substr(1));
  }
}

TEST_CASE("Japanese text (normalised mostly without ICU) gives what ICU gives") {
  // Characters the fast path knows (kana, kanji, Japanese punctuation, full-width and half-width
  // forms, ASCII) beside ones it hands to ICU (combining marks that compose with what precedes them,
  // half-width voiced marks, compatibility characters, Latin with accents, Hangul, emoji) and bytes
  // that are not UTF-8, in random order.
  // (3-byte overlong forms too: the steps must leave them to the loop.)
  const std::vector<std::string> pieces{"か",
                                        "ガ",
                                        "\xE3\x82\x99",
                                        "\xE3\x82\x9A",
                                        "ﾊ",
                                        "ﾞ",
                                        "ﾟ",
                                        "ｶ",
                                        "ｱ",
                                        "Ａ",
                                        "ｚ",
                                        "１",
                                        "（",
                                        "）",
                                        "　",
                                        "、",
                                        "。",
                                        "「",
                                        "」",
                                        "ー",
                                        "ゟ",
                                        "ヿ",
                                        "゛",
                                        "㈱",
                                        "株",
                                        "式",
                                        "会",
                                        "社",
                                        "山",
                                        "田",
                                        "e",
                                        "E",
                                        "\xCC\x81",
                                        "\xCC\xB8",
                                        "=",
                                        "é",
                                        "ß",
                                        "İ",
                                        "ﬁ",
                                        "한",
                                        "\xE1\x84\x80",
                                        "\xE1\x85\xA1",
                                        "😀",
                                        "\xFF",
                                        "\xE3\x81",
                                        " ",
                                        "\n",
                                        "1",
                                        "-",
                                        "ｰ",
                                        "〜",
                                        "〒",
                                        "々",
                                        "〆",
                                        "ヶ",
                                        "ヷ",
                                        "ㇰ",
                                        "\xEF\xBF\xBD"};
  std::mt19937 rng(49);
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    for (std::size_t n = 1 + rng() % 24; n > 0; --n) text += pieces[rng() % pieces.size()];
    const auto fast = fp::normalizeText(text);
    const auto reference = fp::normalizeTextWithIcu(text);
    CHECK_MESSAGE(fast == reference, text);
  }
  // Every character of the ranges the fast path knows, between neighbours of each sort.
  for (const char32_t first : {U'\u3000', U'\u4E00', U'\uFF00'}) {
    const char32_t end = first == U'\u3000' ? 0x3100 : first == U'\u4E00' ? 0xA000 : 0xFFF0;
    for (char32_t c = first; c < end; ++c) {
      std::string one;
      fp::appendUtf8(one, c);
      for (const std::string& after : {std::string(), std::string("a"), std::string("\xE3\x82\x99"), std::string("ﾞ"),
                                       std::string("\xCC\x81"), std::string("か")}) {
        const std::string text = "x" + one + after + one;
        REQUIRE_MESSAGE(fp::normalizeText(text) == fp::normalizeTextWithIcu(text), static_cast<unsigned>(c));
      }
    }
  }
}

TEST_CASE("the fast kernels give what the reference loop gives, whole, appended and cut in pieces") {
  // appendNormalizedText (ASCII 16 bytes a step, kana and kanji runs with single ASCII characters in
  // them) against appendNormalizedTextReference, the loop before those kernels, on generated texts:
  // ASCII runs of every length around 16 and 8, punctuation, full-width and half-width forms, kana
  // with combining and half-width voiced marks, kanji, Latin with accents, emoji, bytes that are not
  // UTF-8 and truncated sequences, in random order; appended after text already in the output; and
  // cut where normalizationCut says from every byte of the text.
  // (3-byte overlong forms too: the steps must leave them to the loop.)
  const std::vector<std::string> pieces{"か",
                                        "ガ",
                                        "\xE3\x82\x99",
                                        "ﾊ",
                                        "ﾞ",
                                        "ｶ",
                                        "Ａ",
                                        "ｚ",
                                        "１",
                                        "（",
                                        "　",
                                        "、",
                                        "。",
                                        "「",
                                        "ー",
                                        "ヶ",
                                        "ヷ",
                                        "㈱",
                                        "株",
                                        "営業",
                                        "秘密",
                                        "e",
                                        "E",
                                        "Z",
                                        "z",
                                        "a",
                                        "A",
                                        "0",
                                        "9",
                                        "@",
                                        "[",
                                        "`",
                                        "{",
                                        "/",
                                        ":",
                                        "\x7F",
                                        "\x01",
                                        " ",
                                        "\n",
                                        "\r\n",
                                        "\t",
                                        ".",
                                        "-",
                                        "\xCC\x81",
                                        "é",
                                        "ß",
                                        "İ",
                                        "ﬁ",
                                        "한",
                                        "😀",
                                        "\xFF",
                                        "\xE3\x81",
                                        "\xE3",
                                        "\xC3",
                                        "\x80",
                                        "\xED\xA0\x80",
                                        "\xC0\x80",
                                        "\xEF\xBF\xBD",
                                        "。\n",
                                        "\n営",
                                        "\xE0\x81\x81",
                                        "\xE0\x80\xAF"};
  std::mt19937 rng(63);
  const auto asciiRun = [&rng] {
    static constexpr std::string_view kAscii =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_'\"()[]{}<>@#$%^&*+=/\\|~`\n\t";
    std::string run;
    const std::size_t length = rng() % 4 == 0 ? rng() % 70 : 6 + rng() % 20;  // around 8 and 16 bytes
    for (std::size_t i = 0; i < length; ++i) run.push_back(kAscii[rng() % kAscii.size()]);
    return run;
  };
  std::vector<std::string> texts{"", "a", "A.", std::string(16, 'Q'), std::string(17, 'q'), std::string(33, ' ')};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const unsigned mix = rng() % 4;  // 0: ASCII only, 1: Japanese only, 2 and 3: mixed
    for (std::size_t n = 1 + rng() % 60; n > 0; --n) {
      if (mix == 0 || (mix >= 2 && rng() % 3 == 0)) {
        text += asciiRun();
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    texts.push_back(text);
  }
  // Long Japanese texts (with ASCII between the words, as in a CSV of customers) where the 64-byte
  // steps (AVX-512) are taken whole, with a character they must leave to the loop now and then.
  const std::vector<std::string> plain{"か", "株", "営業", "秘密", "顧客", "ヤマダ", "、", "。\n", "ー", "ヶ",
                                       "Ａ", "１", ",",    " ",    "a",    "Z",      "7",  "-",    "@",  "\n"};
  for (int i = 0; i < 600; ++i) {
    std::string text;
    for (std::size_t n = 20 + rng() % 300; n > 0; --n)
      text += rng() % 40 == 0 ? pieces[rng() % pieces.size()] : plain[rng() % plain.size()];
    texts.push_back(text);
  }
  // A mark that combines with the character before it (no boundary before it) at every byte around
  // the end of the first 64-byte step, and in the second.
  for (const std::string mark : {"\xE3\x82\x99", "ﾞ", "\xCC\x81"}) {
    for (std::size_t kana = 0; kana < 50; ++kana) {
      for (std::size_t ascii = 0; ascii < 3; ++ascii) {
        std::string text;
        for (std::size_t n = 0; n < kana; ++n) text += n % 5 == 4 ? "。\n" : "か";
        text += std::string(ascii, 'a') + mark + "か";
        for (std::size_t n = 0; n < 40; ++n) text += "営";
        texts.push_back(text);
      }
    }
  }
  std::u32string fast, reference;
  fp::CharBuffer buffer;
  for (const auto& text : texts) {
    fast.clear();
    reference.clear();
    fp::appendNormalizedText(text, fast);
    fp::appendNormalizedTextReference(text, reference);
    REQUIRE_MESSAGE(fast == reference, text);
    // Appended after text already there.
    fast = U"prefix";
    fp::appendNormalizedText(text, fast);
    REQUIRE(fast == U"prefix" + reference);
    // Into a CharBuffer (its new room not zero-filled; fingerprintText's), kept between texts as
    // fingerprintText keeps it between pieces: after what the last text left, its front dropped.
    buffer.eraseFront(buffer.size() > 6 ? buffer.size() - 6 : 0);
    const std::u32string kept(buffer.data(), buffer.size());
    fp::appendNormalizedText(text, buffer);
    REQUIRE(std::u32string(buffer.data(), buffer.size()) == kept + reference);
  }
  // Cut where normalizationCut says (as fingerprintText's 8 KiB pieces are), from every byte.
  for (std::size_t t = 0; t < texts.size(); t += 7) {
    const std::string& text = texts[t];
    fp::normalizeTextInto(text, reference);
    REQUIRE(reference == fp::normalizeTextWithIcu(text));
    for (std::size_t from = 0; from <= text.size(); ++from) {
      const std::size_t cut = fp::normalizationCut(text, from);
      fast.clear();
      fp::appendNormalizedText(std::string_view(text).substr(0, cut), fast);
      fp::appendNormalizedText(std::string_view(text).substr(cut), fast);
      REQUIRE_MESSAGE(fast == reference, text << " cut at " << cut);
    }
  }
}
