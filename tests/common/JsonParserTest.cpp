#include <doctest/doctest.h>

#include "common/JsonParser.h"

using namespace mamori::common;

TEST_CASE("strict JSON: values, escapes and unicode") {
  const auto r = parseJsonStrict(R"({"a": [1, -2.5e3, true, false, null], "b": "x\u00e9\ud83d\ude00\n"})");
  REQUIRE(r.ok());
  const auto& v = r.value();
  REQUIRE(v.find("a") != nullptr);
  CHECK(v.find("a")->items.size() == 5);
  CHECK(v.find("a")->items[0].isInteger());
  CHECK_FALSE(v.find("a")->items[1].isInteger());
  CHECK(v.find("a")->items[1].text == "-2.5e3");
  CHECK(v.find("b")->text == "x\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST_CASE("strict JSON: errors carry the pointer and the position") {
  auto r = parseJsonStrict("{\"a\": {\"b\": [1, 2,]}}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().where == "/a/b/2");
  CHECK(r.error().message.find("expected a value, found ']'") != std::string::npos);
  CHECK(r.error().message.find("line 1, column 19") != std::string::npos);

  r = parseJsonStrict("{\"a\": 01}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("expected ',' or '}'") != std::string::npos);

  r = parseJsonStrict("{\"a\": \"\\ud800\"}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("surrogate") != std::string::npos);

  r = parseJsonStrict("{\"a\": \"tab\there\"}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("control character") != std::string::npos);

  r = parseJsonStrict("{\"a/b~c\": x}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().where == "/a~1b~0c");
}

TEST_CASE("strict JSON: limits") {
  JsonLimits limits;
  limits.maxItems = 10;
  auto r = parseJsonStrict("[0,1,2,3,4,5,6,7,8,9,10]", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("more than 10 items") != std::string::npos);

  limits = JsonLimits{};
  limits.maxValues = 100;
  r = parseJsonStrict("[" + std::string(200, '1').replace(1, 0, "") + "]", limits);
  CHECK(r.ok());  // one number of 200 digits is one value
  std::string many = "[";
  for (int i = 0; i < 200; ++i) many += "[],";
  many += "0]";
  r = parseJsonStrict(many, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("more than 100 values") != std::string::npos);

  limits = JsonLimits{};
  limits.maxBytes = 8;
  r = parseJsonStrict("{\"abc\": 12345}", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("the limit is 8") != std::string::npos);

  // Far deeper than any stack could recurse: refused at the depth limit, no crash.
  r = parseJsonStrict(std::string(1'000'000, '['));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("nesting deeper than 32") != std::string::npos);
}

TEST_CASE("strict JSON: a leading byte order mark is accepted") { CHECK(parseJsonStrict("\xEF\xBB\xBF{}").ok()); }
