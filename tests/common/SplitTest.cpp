#include <doctest/doctest.h>

#include "common/Split.h"

using mamori::common::splitFields;

TEST_CASE("splitFields: empty fields kept, no field after a separator at the end, none in an empty text") {
  CHECK(splitFields("", '\n').empty());
  CHECK(splitFields("a", '\n') == std::vector<std::string_view>{"a"});
  CHECK(splitFields("a\n", '\n') == std::vector<std::string_view>{"a"});
  CHECK(splitFields("a\n\nb", '\n') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(splitFields("&x=1&", '&') == std::vector<std::string_view>{"", "x=1"});
}
