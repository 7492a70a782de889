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
