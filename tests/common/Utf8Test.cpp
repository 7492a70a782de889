#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/JsonText.h"
#include "common/Utf8.h"
#include "common/Utf8Check.h"

using mamori::common::isValidUtf8;

namespace {
// The reference: decode code point after code point.
bool decodesWhole(std::string_view text) {
  std::uint32_t cp = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t n = mamori::common::decodeUtf8(text, at, cp);
    if (n == 0) return false;
    at += n;
  }
  return true;
}
}  // namespace

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
  const auto reference = decodesWhole;
  int disagreements = 0;
  for (int lead = 0; lead < 256; ++lead) {
    for (int second = 0; second < 256; ++second) {
      for (const char* tail : {"", "\x80", "\xBF\x80", "A", "\x80\x41" /* 0x80 'A' */, "\x80\x80\x80", "\xC0"}) {
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

TEST_CASE("every block-wise check agrees with decodeUtf8 across 16- and 32-byte edges") {
  using mamori::common::Utf8Path;
  const auto reference = decodesWhole;
  // Every run of up to four of these bytes, placed so that it ends a text or straddles a block edge
  // (16 and 32 bytes, the second edge of 32-byte blocks too), in ASCII and in Japanese surroundings
  // (texts of 32 bytes and more take the blocks), on every path this CPU has.
  const unsigned char interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                       0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  const std::string japanese = "社外秘の資料です。顧客番号";  // 3-byte sequences only
  for (const Utf8Path path : {Utf8Path::kSse2, Utf8Path::kSsse3, Utf8Path::kAvx2}) {
    if (!mamori::common::utf8PathAvailable(path)) continue;
    CAPTURE(static_cast<int>(path));
    const auto check = [&](std::string_view text) { return mamori::common::isValidUtf8On(path, text); };
    int disagreements = 0;
    int checked = 0;
    const auto tryAll = [&](const std::string& seq) {
      for (const std::size_t at : {13U, 14U, 15U, 16U, 29U, 30U, 31U, 32U, 61U, 62U, 63U}) {
        for (bool kanji : {false, true}) {
          std::string text = kanji ? japanese + japanese + japanese + japanese : std::string(80, 'a');
          text.resize(at);  // may cut a kanji: then the text is invalid before the run, both agree on it
          std::string whole = text + seq;
          whole.resize(std::max<std::size_t>(whole.size(), 32), 'b');
          for (const std::string& candidate : {whole, text + seq + std::string(40, 'c')}) {
            ++checked;
            if (check(candidate) != reference(candidate)) {
              ++disagreements;
              if (disagreements < 5) MESSAGE("disagree on a text of " << candidate.size() << " bytes, run at " << at);
            }
          }
        }
      }
    };
    for (unsigned char a : interesting) {
      for (unsigned char b : interesting) {
        for (unsigned char c : interesting) {
          tryAll(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
          for (unsigned char d : {0x80, 0xBF, 0x41, 0xF4, 0xE3}) {
            tryAll(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
          }
        }
      }
    }
    CHECK(checked > 1'000'000);
    CHECK(disagreements == 0);
    // Long valid texts in every script mix, and one bad byte anywhere in them.
    std::string mixed;
    for (int i = 0; i < 200; ++i) mixed += (i % 3 == 0 ? japanese : i % 3 == 1 ? "report 2026 " : "\xF0\x9F\x94\x92 é");
    CHECK(check(mixed));
    for (std::size_t at = 0; at < mixed.size(); at += 7) {
      std::string bad = mixed;
      bad[at] = static_cast<char>(0xFF);
      if (check(bad)) ++disagreements;
    }
    CHECK(disagreements == 0);
  }
}

TEST_CASE("every path agrees with decodeUtf8 on random texts of valid and broken sequences") {
  using mamori::common::Utf8Path;
  // Pieces of every length class, glued at random: mostly valid texts with now and then one of the
  // hostile sequences, so long runs of blocks are checked with state carried from block to block.
  const std::string pieces[] = {"a",    "report ",  "\xC3\xA9",     "社外秘",           "\xF0\x9F\x94\x92",
                                "\n",   "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE3\x81",
                                "\x80", "\xFF"};
  std::uint32_t seed = 12345;
  const auto next = [&] {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 16U) & 0x7FFFU;
  };
  int disagreements = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string text;
    const std::uint32_t length = next() % 200;
    const bool broken = round % 2 == 1;
    while (text.size() < length) text += pieces[next() % (broken ? 12 : 6)];
    for (const Utf8Path path : {Utf8Path::kBytewise, Utf8Path::kSse2, Utf8Path::kSsse3, Utf8Path::kAvx2}) {
      if (mamori::common::utf8PathAvailable(path) && mamori::common::isValidUtf8On(path, text) != decodesWhole(text))
        ++disagreements;
    }
  }
  CHECK(disagreements == 0);
}

TEST_CASE("JSON for a terminal: C1 controls and Unicode line ends inside strings become \\u escapes") {
  using mamori::common::isLineControl;
  using mamori::common::json::escapeLineControls;
  for (const std::uint32_t cp : {0x00U, 0x0AU, 0x1BU, 0x7FU, 0x85U, 0x9BU, 0x2028U, 0x2029U}) CHECK(isLineControl(cp));
  for (const std::uint32_t cp : {0x20U, 0x41U, 0xA0U, 0x202EU, 0x793EU}) CHECK_FALSE(isLineControl(cp));
  // A file named with NEL, the 8-bit CSI and the separators, as Poco writes it (raw); JSON's own
  // escapes, every script and a byte that is not UTF-8 stay as they are.
  const std::string json =
      "{\"file.path\":\"/home/u/\xC2\x85"
      "a\xC2\x9B"
      "2J\xE2\x80\xA8\xE2\x80\xA9\\n社外秘\xFF\"}";
  CHECK(escapeLineControls(json) == "{\"file.path\":\"/home/u/\\u0085a\\u009B2J\\u2028\\u2029\\n社外秘\xFF\"}");
  CHECK(escapeLineControls("{\"a\":\"plain\"}") == "{\"a\":\"plain\"}");
}
