#include <doctest/doctest.h>

#include <random>

#include "fingerprint/EdmValues.h"
#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;

namespace {
std::string norm(fp::EdmKind kind, std::string_view text) { return fp::normalizeEdmValue(kind, text).value_or("-"); }
}  // namespace

TEST_CASE("phone numbers in any common spelling become the same digits") {
  for (const char* spelling : {"03-1234-5678", "(03) 1234 5678", "０３－１２３４－５６７８", "+81 3-1234-5678",
                               "03.1234.5678", "03ー1234ー5678", "（03）1234-5678"})
    CHECK_MESSAGE(norm(fp::EdmKind::kPhone, spelling) == "0312345678", spelling);
  CHECK(norm(fp::EdmKind::kPhone, "TEL 03-1234-5678") == "-");  // letters: not a phone value
  CHECK(norm(fp::EdmKind::kPhone, "1234") == "-");              // too short
  CHECK(norm(fp::EdmKind::kPhone, "12-34+56") == "-");          // '+' only in front
}

TEST_CASE("names meet across width, case, spaces and katakana/hiragana") {
  CHECK(norm(fp::EdmKind::kName, "山田 太郎") == norm(fp::EdmKind::kName, "山田　太郎"));
  CHECK(norm(fp::EdmKind::kName, "山田 太郎") == "山田太郎");
  CHECK(norm(fp::EdmKind::kName, "ﾔﾏﾀﾞ ﾀﾛｳ") == norm(fp::EdmKind::kName, "やまだ たろう"));
  CHECK(norm(fp::EdmKind::kName, "ヤマダタロウ") == "やまだたろう");
  CHECK(norm(fp::EdmKind::kName, "Taro YAMADA") == "taroyamada");
  CHECK(norm(fp::EdmKind::kName, "Ｔａｒｏ") == "taro");
  CHECK(norm(fp::EdmKind::kName, "Room 101") == "-");  // digits: not a name
  CHECK(norm(fp::EdmKind::kName, "A") == "-");
}

TEST_CASE("e-mail addresses are lower-cased, full-width folded and checked for shape") {
  CHECK(norm(fp::EdmKind::kEmail, "Taro.Yamada@Example.CO.JP") == "taro.yamada@example.co.jp");
  CHECK(norm(fp::EdmKind::kEmail, "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp");
  CHECK(norm(fp::EdmKind::kEmail, "taro@localhost") == "-");
  CHECK(norm(fp::EdmKind::kEmail, "a@b@c.jp") == "-");
  CHECK(norm(fp::EdmKind::kEmail, "@example.jp") == "-");
  // Full-width capitals and symbols; characters outside the shape, ASCII or not, and bytes that are not UTF-8.
  CHECK(norm(fp::EdmKind::kEmail, "ＴＡＲＯ_１％＋－＠Ｅｘ．ＪＰ") == "taro_1%+-@ex.jp");
  CHECK(norm(fp::EdmKind::kEmail, "taro!@example.jp") == "-");
  CHECK(norm(fp::EdmKind::kEmail, "tarö@example.jp") == "-");
  CHECK(norm(fp::EdmKind::kEmail, "taro＠example．jp\xEF") == "-");
  CHECK(norm(fp::EdmKind::kEmail, "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ＿") == "taro@example.jp_");
}

TEST_CASE("phones and numbers from one read: the same digits, parentheses and '+' only a phone's") {
  std::string out;
  CHECK(fp::normalizeEdmDigitsInto("090-1234-5678", out) == (fp::kEdmAsPhone | fp::kEdmAsDigits));
  CHECK(out == "09012345678");
  CHECK(fp::normalizeEdmDigitsInto("(03) 1234 5678", out) == fp::kEdmAsPhone);
  CHECK(fp::normalizeEdmDigitsInto("+81 3 1234 5678", out) == fp::kEdmAsPhone);
  CHECK(out == "0312345678");
  CHECK(fp::normalizeEdmDigitsInto("1234 5678 9012", out) == (fp::kEdmAsPhone | fp::kEdmAsDigits));
  CHECK(fp::normalizeEdmDigitsInto("1234 5678 9012 3456", out) == fp::kEdmAsDigits);  // 16 digits: no phone
  CHECK(fp::normalizeEdmDigitsInto("12-34", out) == fp::kEdmAsDigits);
  CHECK(fp::normalizeEdmDigitsInto("123", out) == 0);
  CHECK(fp::normalizeEdmDigitsInto("1+2345678", out) == 0);
  CHECK(fp::normalizeEdmDigitsInto("東京1-2-3", out) == 0);
}

TEST_CASE("phones and numbers of ASCII text: the same as the general read") {
  // An ideographic space is a separator: in front, it sends the text through the read of any
  // character, which must give what the ASCII bytes' table gives (the scanner's most common case).
  std::mt19937 rng(46);
  const std::string alphabet = "0123456789 \t-.+()x81";
  std::string ascii, general;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (std::size_t n = rng() % 20; n > 0; --n) text += alphabet[rng() % alphabet.size()];
    if (i % 4 == 0) text = "+81" + text;
    CAPTURE(text);
    const unsigned asAscii = fp::normalizeEdmDigitsInto(text, ascii);
    const unsigned asGeneral = fp::normalizeEdmDigitsInto("　" + text, general);
    CHECK(asAscii == asGeneral);
    if (asAscii != 0) CHECK(ascii == general);
  }
}

TEST_CASE("a phone or a number whose first character is not ASCII starts with the lead byte C2, E2, E3 or EF") {
  // The matcher reads no other span as one (EdmMatcher.cpp, digitsAndEmail).
  std::string text, out;
  std::size_t read = 0;
  for (std::uint32_t c = 0x80; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    text.clear();
    fp::appendUtf8(text, static_cast<char32_t>(c));
    const auto lead = static_cast<unsigned char>(text[0]);
    text += "0312345678";
    if (fp::normalizeEdmDigitsInto(text, out) == 0) continue;
    ++read;
    CHECK_MESSAGE((lead == 0xC2 || lead == 0xE2 || lead == 0xE3 || lead == 0xEF), c);
  }
  CHECK(read > 10);
}

TEST_CASE("numbers keep only digits; My Number and card cells need their lengths") {
  CHECK(norm(fp::EdmKind::kDigits, "1234 5678 9012") == "123456789012");
  CHECK(norm(fp::EdmKind::kDigits, "１２３４-５６７８") == "12345678");
  CHECK(norm(fp::EdmKind::kDigits, "12a4") == "-");
  CHECK(fp::edmCellValues(fp::EdmType::kMyNumber, "1234 5678 9012") == std::vector<std::string>{"123456789012"});
  CHECK(fp::edmCellValues(fp::EdmType::kMyNumber, "1234 5678").empty());
  CHECK(fp::edmCellValues(fp::EdmType::kCard, "4111 1111 1111 1111") == std::vector<std::string>{"4111111111111111"});
}

TEST_CASE("addresses meet with block numbers written as 丁目/番/号 or hyphens") {
  CHECK(norm(fp::EdmKind::kAddress, "東京都千代田区丸の内1丁目2番3号") ==
        norm(fp::EdmKind::kAddress, "東京都千代田区丸の内1-2-3"));
  CHECK(norm(fp::EdmKind::kAddress, "東京都千代田区丸ノ内１－２－３") ==
        norm(fp::EdmKind::kAddress, "東京都 千代田区 丸の内 1-2-3"));
  CHECK(norm(fp::EdmKind::kAddress, "大阪府大阪市北区梅田2番地5") ==
        norm(fp::EdmKind::kAddress, "大阪府大阪市北区梅田2-5"));
}

TEST_CASE("a two-word name cell is registered in both orders") {
  const auto values = fp::edmCellValues(fp::EdmType::kName, "Yamada Taro");
  CHECK(values == std::vector<std::string>{"yamadataro", "taroyamada"});
  CHECK(fp::edmCellValues(fp::EdmType::kName, "山田太郎").size() == 1);
  CHECK(fp::edmCellValues(fp::EdmType::kSkip, "anything").empty());
}

TEST_CASE("column types by name") {
  for (const char* name : {"name", "kana", "phone", "email", "mynumber", "card", "number", "address", "text", "skip"}) {
    const auto type = fp::edmTypeFromName(name);
    REQUIRE(type);
    CHECK(fp::edmTypeName(*type) == name);
  }
  CHECK_FALSE(fp::edmTypeFromName("Name"));
  CHECK_FALSE(fp::edmTypeIsStrong(fp::EdmType::kName));
  CHECK(fp::edmTypeIsStrong(fp::EdmType::kPhone));
}

TEST_CASE("the scanner's values of normalised UTF-8 are the values of the code points") {
  // edmValueOf answers a view of the joined words (or of scratch for an address with block numbers):
  // it must give what edmValueInto gives, the form the administrator's cells are registered in.
  CHECK(norm(fp::EdmKind::kAddress, "東京都千代田区一番町1丁目2番3号") == "東京都千代田区一番町123");
  for (const std::u32string text : {U"東京都千代田区一番町1丁目2番地3号", U"一番町", U"番号", U"1番", U"12丁目",
                                    U"やまだたろう", U"taroyamada", U"room101", U"a", U"あ1", U"1丁目番地号", U""}) {
    for (const auto kind : {fp::EdmKind::kName, fp::EdmKind::kAddress, fp::EdmKind::kText}) {
      std::string expected;
      const bool is = fp::edmValueInto(kind, text, expected);
      std::string utf8;
      for (const char32_t c : text) fp::appendUtf8(utf8, c);
      bool digit = false;
      for (const char32_t c : text) digit = digit || (c >= '0' && c <= '9');
      std::string scratch;
      std::string_view value;
      const bool got = fp::edmValueOf(kind, {utf8, text.size(), digit}, scratch, value);
      CHECK(got == is);
      if (got && is) CHECK(value == expected);
    }
  }
}
