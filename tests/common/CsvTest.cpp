#include <doctest/doctest.h>

#include "common/Csv.h"

using mamori::common::CsvReader;

namespace {
std::vector<std::vector<std::string>> all(std::string_view text, char separator = ',') {
  CsvReader reader(text, separator);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> fields;
  while (reader.next(fields)) out.push_back(fields);
  return out;
}
}  // namespace

TEST_CASE("CSV records: quotes, doubled quotes, separators and line breaks inside, CRLF, BOM") {
  const auto rows = all("\xEF\xBB\xBFname,phone\r\n\"山田, 太郎\",03-1234-5678\r\n\"say \"\"hi\"\"\",\"a\nb\"\n,\n");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"name", "phone"});
  CHECK(rows[1] == std::vector<std::string>{"山田, 太郎", "03-1234-5678"});
  CHECK(rows[2] == std::vector<std::string>{"say \"hi\"", "a\nb"});
  CHECK(rows[3] == std::vector<std::string>{"", ""});
  CHECK(all("a\tb\n", '\t') == std::vector<std::vector<std::string>>{{"a", "b"}});
  CHECK(all("").empty());
  CHECK(all("x\"y\",z") == std::vector<std::vector<std::string>>{{"x\"y\"", "z"}});
  CHECK(all("\"open") == std::vector<std::vector<std::string>>{{"open"}});
}

TEST_CASE("the reader knows the line a record started on") {
  CsvReader reader("a\n\"b\nc\"\nd\n");
  std::vector<std::string> fields;
  REQUIRE(reader.next(fields));
  CHECK(reader.line() == 1);
  REQUIRE(reader.next(fields));
  CHECK(reader.line() == 2);
  REQUIRE(reader.next(fields));
  CHECK(reader.line() == 4);
}
