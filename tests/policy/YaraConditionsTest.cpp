// Which rule conditions can only be true after a string matched: what the literal prefilter relies on,
// so every doubt must come out as "may be true without a string".
#include <doctest/doctest.h>

#include "policy/YaraConditions.h"

using mamori::policy::rulesNeedingStrings;

namespace {

// The verdict for one rule whose condition is condition (strings $a, $b, $c2 declared).
bool needs(const std::string& condition) {
  const std::string source =
      "rule r { strings: $a = \"alpha\" $b = \"bravo\" nocase $c2 = \"charlie\" wide\n"
      "condition: " +
      condition + " }";
  const auto verdicts = rulesNeedingStrings(source);
  REQUIRE(verdicts.has_value());
  REQUIRE(verdicts->count("r") == 1);
  return verdicts->at("r");
}

}  // namespace

TEST_CASE("conditions made of string matches need a string") {
  CHECK(needs("$a"));
  CHECK(needs("any of them"));
  CHECK(needs("all of them"));
  CHECK(needs("2 of them"));
  CHECK(needs("any of ($a, $b)"));
  CHECK(needs("1 of ($c*)"));
  CHECK(needs("$a or $b"));
  CHECK(needs("($a or $b) and filesize < 100KB"));
  CHECK(needs("filesize < 100KB and any of them"));
  CHECK(needs("#a > 2 and $b"));
  CHECK(needs("not $a and $b"));
  CHECK(needs("($a and not $b) or (2 of them and uint16(0) == 0x4b50)"));
  CHECK(needs(std::string(32, '(') + "$a" + std::string(32, ')')));
}

TEST_CASE("conditions that may be true without a string match do not") {
  CHECK_FALSE(needs("true"));
  CHECK_FALSE(needs("filesize > 10"));
  CHECK_FALSE(needs("not $a"));
  CHECK_FALSE(needs("$a or filesize > 10"));
  CHECK_FALSE(needs("#a == 0"));
  CHECK_FALSE(needs("0 of them"));
  CHECK_FALSE(needs("50% of them"));
  CHECK_FALSE(needs("$a at 0"));  // needs $a, but this reader does not follow `at`: a doubt is a no
  CHECK_FALSE(needs("for any of them : ( # > 0 )"));
  CHECK_FALSE(needs("uint16(0) == 0x5a4d"));
  CHECK_FALSE(needs("$a == $b"));
  CHECK_FALSE(needs("any of them or other_rule"));
  CHECK_FALSE(needs("\"x\" matches /a}b/"));
  CHECK_FALSE(needs(std::string(33, '(') + "$a" + std::string(33, ')')));  // deeper than followed
}

TEST_CASE("the rest of a source is read past without being taken for a condition") {
  const auto verdicts = rulesNeedingStrings(R"(import "pe"
// a comment with rule x { condition: true }
/* and
   a block */
private rule helper : tag1 tag2 {
  meta: author = "a } b" version = 2 draft = false offset = -1 strings = "not a section"
  strings:
    $re = /ab}c\/d/is
    $hex = { 4D 5A [2-4] ( 90 | 00 ) }
    $x = "q\"}" xor(0x01-0xff) base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu")
  condition:
    any of them
}
global rule checked { condition: filesize < 10MB }
rule plain { strings: $a = "text" condition: $a and helper }
)");
  REQUIRE(verdicts.has_value());
  CHECK(verdicts->size() == 3);
  CHECK(verdicts->at("helper"));
  CHECK_FALSE(verdicts->at("checked"));
  CHECK(verdicts->at("plain"));
}

TEST_CASE("a source the reader does not follow gives no verdict at all") {
  CHECK_FALSE(rulesNeedingStrings("include \"other.yar\" rule r { condition: true }").has_value());
  CHECK_FALSE(rulesNeedingStrings("rule r { strings: $a = \"unterminated\n condition: $a }").has_value());
  CHECK_FALSE(rulesNeedingStrings("rule r { condition: $a ").has_value());
  CHECK_FALSE(rulesNeedingStrings("rule r { condition: true } rule r { condition: true }").has_value());
  CHECK_FALSE(rulesNeedingStrings("rule r { /* unterminated comment").has_value());
  CHECK(rulesNeedingStrings("").has_value());
}
