#include <doctest/doctest.h>

#include "common/Csv.h"

using mamori::common::CsvReader;
using mamori::common::csvRow;

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

TEST_CASE("a value a spreadsheet would run as a formula gets an apostrophe; the rest stays exact") {
  CHECK(csvRow({"=HYPERLINK(\"http://evil.example/\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"}) ==
        "\"'=HYPERLINK(\"\"http://evil.example/"
        "\"\",\"\"x\"\")\",\"'+1\",\"'-2+3\",\"'@SUM(A1)\",\"'\t=1\",\"'\r=1\"\r\n");
  // Full-width forms, which Excel in Japanese reads as the ASCII ones.
  CHECK(csvRow({"＝1+1", "＋1", "－1", "＠SUM(A1)"}) == "\"'＝1+1\",\"'＋1\",\"'－1\",\"'＠SUM(A1)\"\r\n");
  // Anything else is written as it is, quotes doubled.
  CHECK(csvRow({"経理-pc01", "a=b", " =1", "", "\"q\""}) == "\"経理-pc01\",\"a=b\",\" =1\",\"\",\"\"\"q\"\"\"\r\n");
}
