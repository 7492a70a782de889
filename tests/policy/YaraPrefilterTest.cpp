// The literal prefilter: built only for sets whose every rule needs a plain text string, and then
// never says "no" for a buffer that holds one of those strings in any form libyara matches.
#include <doctest/doctest.h>

#include <string>

#include "policy/YaraCompiler.h"
#include "policy/YaraPrefilter.h"

using mamori::policy::compileYara;
using mamori::policy::YaraPrefilter;

namespace {

std::unique_ptr<const YaraPrefilter> prefilterOf(const std::string& source, std::string* reason = nullptr) {
  const auto outcome = compileYara(source);
  REQUIRE(outcome.errors.empty());
  return YaraPrefilter::build(outcome.rules->get(), source, reason);
}

std::string filler(std::size_t size) { return std::string(size, 'z'); }

}  // namespace

TEST_CASE("sets with a rule that may match without a plain text string get no prefilter") {
  std::string reason;
  CHECK(prefilterOf("rule r { strings: $a = /secret[0-9]+/ condition: $a }", &reason) == nullptr);
  CHECK(reason.find("not plain text") != std::string::npos);
  CHECK(prefilterOf("rule r { strings: $a = { 41 ?? 43 44 } condition: $a }", &reason) == nullptr);
  CHECK(reason.find("not plain text") != std::string::npos);
  CHECK(prefilterOf("rule r { strings: $a = { 41 4? 43 44 } condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = { 41 42 [1-2] 43 44 } condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = { 41 ( 42 | 43 ) 44 45 } condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = { 41 42 43 } condition: $a }") == nullptr);  // shorter than 4
  CHECK(prefilterOf("rule r { strings: $a = \"abcd\" xor condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = \"abcd\" base64 condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = \"abc\" condition: $a }", &reason) == nullptr);
  CHECK(reason.find("shorter") != std::string::npos);
  CHECK(prefilterOf("rule r { strings: $a = \"\\xe9t\\xe9s\" nocase condition: $a }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = \"abcd\" condition: $a or filesize > 10 }", &reason) == nullptr);
  CHECK(reason.find("without a string match") != std::string::npos);
  CHECK(prefilterOf("rule r { strings: $a = \"abcd\" condition: $a } rule s { condition: true }") == nullptr);
  CHECK(prefilterOf("rule r { strings: $a = \"abcd\" condition: $a }") != nullptr);
}

TEST_CASE("a string is found wherever it sits in the buffer, in every form the rule asks for") {
  const auto prefilter = prefilterOf(
      "rule ja { strings: $a = \"社外秘\" $b = \"部外秘\" condition: any of them }\n"
      "rule en { strings: $a = \"Confidential\" nocase $w = \"Secret\" wide ascii condition: any of them }\n"
      "rule esc { strings: $a = \"tab\\there\" condition: $a }");
  REQUIRE(prefilter != nullptr);
  CHECK(prefilter->patternCount() == 6);
  const std::string wide = std::string("S\0e\0c\0r\0e\0t\0", 12);
  for (const std::string& needle :
       {std::string("社外秘"), std::string("部外秘"), std::string("CONFIDENTIAL"), std::string("confidential"),
        std::string("cOnFiDeNtIaL"), std::string("Secret"), wide, std::string("tab\there")}) {
    CAPTURE(needle);
    CHECK(prefilter->mayMatch(needle));                                                    // the whole buffer
    CHECK(prefilter->mayMatch(needle + filler(1000)));                                     // at the start
    CHECK(prefilter->mayMatch(filler(1000) + needle));                                     // ending on the last byte
    CHECK(prefilter->mayMatch(filler(4093) + needle + filler(7)));                         // across a 4 KiB boundary
    CHECK_FALSE(prefilter->mayMatch(filler(1000) + needle.substr(0, needle.size() - 1)));  // cut short
    CHECK_FALSE(prefilter->mayMatch(needle.substr(1) + filler(10)));
  }
  CHECK_FALSE(prefilter->mayMatch(""));
  CHECK_FALSE(prefilter->mayMatch("abc"));
  CHECK_FALSE(prefilter->mayMatch(filler(100000)));
  CHECK_FALSE(prefilter->mayMatch("社外 秘 部外 SECRET"));                  // case matters without nocase
  CHECK_FALSE(prefilter->mayMatch(std::string("s\0e\0c\0r\0e\0t\0", 12)));  // wide, not nocase
  CHECK_FALSE(prefilter->mayMatch("tab\\there"));
}

TEST_CASE("rules with a condition on several strings are prefiltered on any one of them") {
  const auto prefilter = prefilterOf(
      "rule list { strings: $a = \"顧客番号\" $b = \"電話番号\" $c = \"生年月日\" condition: 2 of them and filesize < "
      "1MB }");
  REQUIRE(prefilter != nullptr);
  CHECK(prefilter->mayMatch("一覧 生年月日 のみ"));
  CHECK_FALSE(prefilter->mayMatch("一覧 顧客 電話 生年"));
}

TEST_CASE("a hex string of plain bytes is prefiltered on exactly those bytes") {
  // How the P2P signature sets are written (so that a binary holding their text does not match).
  const auto p = prefilterOf(
      "rule r { strings: $a = { 42 69 74 54 6f 72 72 65 6e 74 } $b = { 00 ff 7f 45 4c 46 } "
      "condition: uint16(0) == 0x2123 and ($a or $b) and filesize < 65536 }");
  REQUIRE(p != nullptr);
  CHECK(p->mayMatch(filler(5000) + "BitTorrent" + filler(3)));
  CHECK(
      p->mayMatch(std::string("\0\xff\x7f"
                              "ELF",
                              6)));
  CHECK_FALSE(p->mayMatch(filler(5000) + "BitTorren" + filler(3)));
  CHECK_FALSE(p->mayMatch(filler(5000) + "bittorrent" + filler(3)));  // hex strings have no nocase
  CHECK_FALSE(
      p->mayMatch(std::string("\0\xff\x7f"
                              "EL",
                              5)));
}

TEST_CASE("one prefilter for several sets says 'may match' for any set's strings, and only then") {
  const auto a = prefilterOf("rule a { strings: $x = \"alpha\" nocase $y = \"omega\" wide condition: $x or $y }");
  const auto b = prefilterOf("rule b { strings: $x = { 62 65 74 61 } condition: $x }");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  const auto both = YaraPrefilter::unionOf({a.get(), b.get()});
  REQUIRE(both != nullptr);
  CHECK(both->patternCount() == a->patternCount() + b->patternCount());
  CHECK(both->mayMatch(filler(100) + "ALPHA" + filler(100)));
  CHECK(both->mayMatch(filler(100) + std::string("o\0m\0e\0g\0a\0", 10)));
  CHECK(both->mayMatch(filler(5000) + "beta"));
  CHECK_FALSE(both->mayMatch(filler(100) + "omega" + "bet" + filler(100)));  // omega only wide
  CHECK(YaraPrefilter::unionOf({a.get(), nullptr}) == nullptr);              // a set without one: every buffer scanned
  CHECK(YaraPrefilter::unionOf({}) == nullptr);
}
