#include <doctest/doctest.h>

#include "common/Base64Url.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/EdmMatcher.h"

namespace fp = mamori::fingerprint;

namespace {

const fp::FingerprintKey& testKey() {
  static const auto key = fp::FingerprintKey::fromText(std::string(42, 'k') + "A").value();
  return key;
}

// name, kana, phone, email, mynumber
const std::vector<std::vector<std::string>> kRows = {
    {"山田 太郎", "ヤマダ タロウ", "03-1234-5678", "taro@example.jp", "123456789018"},
    {"佐藤 花子", "サトウ ハナコ", "090-2222-3333", "hanako@example.jp", "234567890123"},
    {"鈴木 一郎", "スズキ イチロウ", "06-5555-6666", "ichiro@example.jp", "345678901234"},
};

fp::EdmSet sample(std::int64_t minColumns = 2) {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kKana, fp::EdmType::kPhone,
                                            fp::EdmType::kEmail, fp::EdmType::kMyNumber};
  std::vector<fp::EdmEntry> entries;
  for (std::size_t r = 0; r < kRows.size(); ++r) {
    std::vector<std::string_view> cells(kRows[r].begin(), kRows[r].end());
    CHECK(fp::hashEdmRow(testKey(), columns, cells, static_cast<std::uint32_t>(r), entries) == 0);
  }
  auto set = fp::buildEdmSet("customers", 3, testKey().keyId(), columns, minColumns,
                             static_cast<std::int64_t>(kRows.size()), entries);
  REQUIRE(set);
  set.value().createdAt = "2026-12-06T18:00:00.000Z";
  return set.value();
}

std::int64_t rows(const fp::EdmSet& set, std::string_view text) { return fp::matchEdm(set, testKey(), text).rows; }

}  // namespace

TEST_CASE("a row is found from two of its columns in any layout") {
  const auto set = sample();
  CHECK(rows(set, "山田太郎,03-1234-5678\n") == 1);
  CHECK(rows(set, "顧客: 山田 太郎\n電話: (03) 1234 5678\n") == 1);
  CHECK(rows(set, "\"ﾔﾏﾀﾞ ﾀﾛｳ\"\t\"TARO@EXAMPLE.JP\"") == 1);
  CHECK(rows(set, "Dear 太郎 山田, your number 1234 5678 9018 is on file.") == 1);
  CHECK(rows(set, "山田 太郎 03-1234-5678\n佐藤 花子 090-2222-3333\n鈴木 一郎 06-5555-6666\n") == 3);
  // A spreadsheet's shared strings: one cell a line, row after row.
  CHECK(rows(set, "山田 太郎\nヤマダ タロウ\n03-1234-5678\n佐藤 花子\nサトウ ハナコ\n090-2222-3333\n") == 2);
  const auto match = fp::matchEdm(set, testKey(), "山田太郎 taro@example.jp 03-1234-5678");
  CHECK(match.columnTypes == std::vector<fp::EdmType>{fp::EdmType::kName, fp::EdmType::kPhone, fp::EdmType::kEmail});
}

TEST_CASE("one column, names only, values of different rows or far apart are not a row") {
  const auto set = sample();
  CHECK(rows(set, "山田 太郎\n佐藤 花子\n鈴木 一郎\n") == 0);  // names only
  CHECK(rows(set, "山田 太郎 ヤマダ タロウ\n") == 0);          // name and kana: both weak
  CHECK(rows(set, "03-1234-5678\n090-2222-3333\n") == 0);      // one column each
  // The name of A with the phone of B, the name of B with the phone of C, far from each other.
  CHECK(rows(set, "山田 太郎 090-2222-3333\n" + std::string(600, '-') + "\n佐藤 花子 06-5555-6666\n") == 0);
  CHECK(rows(set, "山田 太郎 03-9999-0000\n") == 0);
  // Names and phones of one table paired wrongly, on adjacent lines: each row's own name and phone
  // are near, but other rows' names and phones lie between them.
  CHECK(rows(set, "山田 太郎 090-2222-3333\n佐藤 花子 06-5555-6666\n鈴木 一郎 03-1234-5678\n") ==
        0);                                                                         // the name, another phone
  CHECK(rows(set, "山田 太郎\n" + std::string(600, 'x') + "\n03-1234-5678") == 0);  // beyond the window
  CHECK(rows(set, "山田太郎様 TEL0312345678") == 0);   // glued to other text: not a candidate value
  CHECK(rows(set, "山田太郎様 TEL 0312345678") == 1);  // an honorific glued to the name is one
}

TEST_CASE("min_columns is the set's") {
  const auto set = sample(3);
  CHECK(rows(set, "山田太郎,03-1234-5678") == 0);
  CHECK(rows(set, "山田太郎,03-1234-5678,taro@example.jp") == 1);
}

TEST_CASE("a value shared by many rows identifies none of them") {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kPhone, fp::EdmType::kEmail};
  std::vector<fp::EdmEntry> entries;
  for (std::uint32_t r = 0; r < 100; ++r) {
    const std::string email = "user" + std::to_string(r) + "@example.jp";
    fp::hashEdmRow(testKey(), columns, {"03-0000-0000", email}, r, entries);  // the switchboard
  }
  auto set = fp::buildEdmSet("s", 1, testKey().keyId(), columns, 2, 100, entries).value();
  CHECK(rows(set, "03-0000-0000 user5@example.jp") == 0);
}

TEST_CASE("the artifact writes and parses back; hostile artifacts are refused with where") {
  const auto set = sample();
  const std::string text = fp::edmArtifactJson(set);
  auto parsed = fp::parseEdmArtifact(text);
  REQUIRE(parsed);
  CHECK(parsed.value().keys == set.keys);
  CHECK(parsed.value().entryRows == set.entryRows);
  CHECK(parsed.value().columns == set.columns);
  CHECK(rows(parsed.value(), "山田太郎,03-1234-5678") == 1);
  CHECK(text.find("山田") == std::string::npos);
  CHECK(text.find("0312345678") == std::string::npos);

  const auto refused = [&](std::string bad, const std::string& where) {
    auto result = fp::parseEdmArtifact(bad);
    REQUIRE_FALSE(result);
    CHECK_MESSAGE(result.error().where == where, result.error().message);
  };
  const auto replace = [&](const std::string& from, const std::string& to) {
    std::string copy = text;
    const auto at = copy.find(from);
    REQUIRE(at != std::string::npos);
    return copy.replace(at, from.size(), to);
  };
  refused(replace("\"mamori-edm\"", "\"mamori-fingerprints\""), "/format");
  refused(replace("\"format_version\":1", "\"format_version\":2"), "/format_version");
  refused(replace("\"rows\":3", "\"rows\":2"), "/entries");  // an entry names row 2
  refused(replace("\"phone\"", "\"telephone\""), "/columns/2");
  refused(replace("\"set\":\"customers\"", "\"set\":\"../x\""), "/set");
  refused(replace("\"min_columns\":2", "\"min_columns\":0"), "/min_columns");
  refused(replace("\"rows\":3", "\"rows\":3,\"extra\":1"), "/extra");
  // Entries out of order: swap the first two.
  auto packed = fp::packEdmEntries({{set.keys[1], set.entryRows[1]}, {set.keys[0], set.entryRows[0]}});
  std::vector<fp::EdmEntry> rest;
  for (std::size_t i = 2; i < set.keys.size(); ++i) rest.push_back({set.keys[i], set.entryRows[i]});
  packed += fp::packEdmEntries(rest);
  const auto entriesAt = text.find("\"entries\":\"") + 11;
  std::string swapped = text;
  swapped.replace(entriesAt, swapped.find('"', entriesAt) - entriesAt, mamori::common::base64UrlEncode(packed));
  refused(swapped, "/entries");
  // A column index past the columns.
  auto badColumn = fp::packEdmEntries({{(set.keys[0] & ~fp::kEdmColumnMask) | 9, 0}});
  std::string outside = text;
  outside.replace(entriesAt, outside.find('"', entriesAt) - entriesAt, mamori::common::base64UrlEncode(badColumn));
  refused(outside, "/entries");
  refused(replace("\"entries\":\"", "\"entries\":\"!"), "/entries");
  fp::ArtifactLimits small;
  small.maxEntries = 2;
  auto tooMany = fp::parseEdmArtifact(text, small);
  REQUIRE_FALSE(tooMany);
  CHECK(tooMany.error().kind == mamori::common::ErrorKind::kTooLarge);
}
