#include <doctest/doctest.h>

#include <string>

#include "common/Utf8.h"

using mamori::common::isValidUtf8;

TEST_CASE("valid UTF-8, Japanese included") {
  CHECK(isValidUtf8(""));
  CHECK(isValidUtf8("plain ascii"));
  CHECK(isValidUtf8("社外秘 µTorrent"));
  CHECK(isValidUtf8("\xF0\x9F\x94\x92"));  // U+1F512
}

TEST_CASE("hostile byte sequences are refused") {
  CHECK_FALSE(isValidUtf8(std::string("\xC0\xAF", 2)));          // overlong '/'
  CHECK_FALSE(isValidUtf8(std::string("\xED\xA0\x80", 3)));      // surrogate
  CHECK_FALSE(isValidUtf8(std::string("\xF4\x90\x80\x80", 4)));  // above U+10FFFF
  CHECK_FALSE(isValidUtf8(std::string("\xE3\x81", 2)));          // truncated
  CHECK_FALSE(isValidUtf8(std::string("\x83\x65", 2)));          // Shift_JIS, not UTF-8
  CHECK_FALSE(isValidUtf8(std::string("\xFF", 1)));
}

TEST_CASE("a bad byte is found wherever it sits in long ASCII runs (read eight bytes at a time)") {
  for (std::size_t at = 0; at < 40; ++at) {
    for (const std::string& bad : {std::string("\xFF"), std::string("\xE3\x81"), std::string("\xC0\xAF")}) {
      std::string text(40, 'a');
      text.replace(at, bad.size(), bad);
      text.resize(40);
      CAPTURE(at);
      CHECK_FALSE(isValidUtf8(text));
    }
    std::string good(40, 'a');
    good.replace(at, 3, "社");
    good.resize(40);
    if (at + 3 <= 40) CHECK(isValidUtf8(good));
  }
}

TEST_CASE("isValidUtf8 agrees with decodeUtf8 on every lead byte and second byte") {
  // The reference: decode code point after code point.
  auto reference = [](std::string_view text) {
    std::uint32_t cp = 0;
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t n = mamori::common::decodeUtf8(text, at, cp);
      if (n == 0) return false;
      at += n;
    }
    return true;
  };
  int disagreements = 0;
  for (int lead = 0; lead < 256; ++lead) {
    for (int second = 0; second < 256; ++second) {
      for (const char* tail : {"", "\x80", "\xBF\x80", "A", "\x80" "A", "\x80\x80\x80", "\xC0"}) {
        std::string text{static_cast<char>(lead), static_cast<char>(second)};
        text += tail;
        for (const std::string& s : {text, "abcdefgh" + text, "abcdefg" + text}) {
          if (isValidUtf8(s) != reference(s)) ++disagreements;
        }
      }
    }
  }
  CHECK(disagreements == 0);
}

TEST_CASE("outside text printed on a terminal shows control, invisible and direction-changing characters as markers") {
  using mamori::common::visibleText;
  CHECK(visibleText("pc-経理-01") == "pc-経理-01");
  CHECK(visibleText("مرحبا") == "مرحبا");  // right-to-left script itself is kept; overriding direction is not
  CHECK(visibleText("pc-invoice\xE2\x80\xAE"
                    "fdp.exe\xE2\x80\x8B") == "pc-invoice<U+202E>fdp.exe<U+200B>");
  CHECK(visibleText("pc\xEF\xBB\xBF") == "pc<U+FEFF>");
  CHECK(visibleText("a\xE2\x81\xA6"
                    "b") == "a<U+2066>b");
  CHECK(visibleText("pc\x1b[2J") == "pc<U+001B>[2J");  // no escape sequence reaches the terminal
  CHECK(visibleText(std::string("pc\0x\n", 5)) == "pc<U+0000>x<U+000A>");
  CHECK(visibleText("pc\xC2\x85\x7f") == "pc<U+0085><U+007F>");
  CHECK(visibleText("pc\xFF\xE3\x81") == "pc<0xFF><0xE3><0x81>");
  CHECK(visibleText("\xF0\x9F\x94\x92") == "\xF0\x9F\x94\x92");  // U+1F512 stays
}
