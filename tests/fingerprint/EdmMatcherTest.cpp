#include <doctest/doctest.h>

#include <algorithm>

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

// With withLengths, the set knows its values' lengths (as mamorictl uploads them) and the scanner skips
// candidates of other lengths; without, every candidate is hashed and looked up.
fp::EdmSet sample(std::int64_t minColumns = 2, bool withLengths = true) {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kKana, fp::EdmType::kPhone,
                                            fp::EdmType::kEmail, fp::EdmType::kMyNumber};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  for (std::size_t r = 0; r < kRows.size(); ++r) {
    std::vector<std::string_view> cells(kRows[r].begin(), kRows[r].end());
    CHECK(fp::hashEdmRow(testKey(), columns, cells, static_cast<std::uint32_t>(r), entries, &lengths) == 0);
  }
  auto set =
      fp::buildEdmSet("customers", 3, testKey().keyId(), columns, minColumns, static_cast<std::int64_t>(kRows.size()),
                      entries, withLengths ? lengths : std::vector<std::uint64_t>{});
  REQUIRE(set);
  set.value().createdAt = "2026-12-06T18:00:00.000Z";
  return set.value();
}

std::int64_t rows(const fp::EdmSet& set, std::string_view text) { return fp::matchEdm(set, testKey(), text).rows; }

}  // namespace

TEST_CASE("a row is found from two of its columns in any layout") {
  for (const bool withLengths : {true, false}) {
    CAPTURE(withLengths);
    const auto set = sample(2, withLengths);
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
}

TEST_CASE("the set's value lengths: only candidates of a registered length are looked up") {
  const auto set = sample();
  // Names of 4 kanji (12 bytes, both word orders) and kana of 6 and 7 (18 and 21 bytes), phones of 10
  // and 11 digits, e-mails of 15 and 17 bytes, My Numbers of 12 digits; no address column.
  CHECK(set.holdsLength(fp::EdmKind::kName, 12));
  CHECK(set.holdsLength(fp::EdmKind::kName, 18));  // やまだたろう
  CHECK_FALSE(set.holdsLength(fp::EdmKind::kName, 9));
  CHECK(set.holdsLength(fp::EdmKind::kPhone, 10));
  CHECK(set.holdsLength(fp::EdmKind::kPhone, 11));
  CHECK_FALSE(set.holdsLength(fp::EdmKind::kPhone, 12));
  CHECK(set.holdsLength(fp::EdmKind::kDigits, 12));
  CHECK_FALSE(set.holdsLength(fp::EdmKind::kDigits, 11));
  CHECK(set.lengths[static_cast<std::size_t>(fp::EdmKind::kAddress)] == 0);
  CHECK(fp::edmLengthBit(200) == fp::edmLengthBit(63));
  // A set whose phone lengths say 12 only does not find a row by its 10-digit phone.
  auto narrowed = sample();
  narrowed.lengths[static_cast<std::size_t>(fp::EdmKind::kPhone)] = fp::edmLengthBit(12);
  CHECK(rows(narrowed, "山田太郎,03-1234-5678\n") == 0);
  CHECK(rows(narrowed, "山田太郎,taro@example.jp\n") == 1);
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
  const std::string bytes = fp::edmArtifact(set);
  auto parsed = fp::parseEdmArtifact(bytes);
  REQUIRE(parsed);
  CHECK(parsed.value().index.bytes() == set.index.bytes());
  CHECK(parsed.value().columns == set.columns);
  CHECK(parsed.value().rows == 3);
  CHECK(parsed.value().minColumns == set.minColumns);
  CHECK(fp::edmArtifact(parsed.value()) == bytes);
  CHECK(rows(parsed.value(), "山田太郎,03-1234-5678") == 1);
  CHECK(bytes.find("山田") == std::string::npos);
  CHECK(bytes.find("0312345678") == std::string::npos);

  const auto refused = [&](const std::string& bad, const std::string& where) {
    auto result = fp::parseEdmArtifact(bad);
    REQUIRE_FALSE(result);
    CHECK_MESSAGE(result.error().where == where, result.error().message);
  };
  const auto patched = [&](std::size_t offset, std::uint64_t value, int width) {
    std::string copy = bytes;
    for (int i = 0; i < width; ++i) copy[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    return copy;
  };
  refused(patched(12, 1, 4), "offset 12");          // a fingerprint set
  refused(patched(8, 1, 4), "offset 8");            // the retired JSON format's version
  refused(patched(160, 0, 4), "offset 160");        // no columns
  refused(patched(164, 9, 4), "offset 164");        // min_columns above the columns
  refused(patched(168, 8, 8), "offset 168");        // window
  refused(patched(176, 2, 8), "offset 184");        // 2 rows: the row bits no longer fit
  refused(patched(192 + 2, 200, 1), "offset 194");  // an unknown column type
  refused(patched(192 + 6, 1, 1), "offset 198");    // a type beyond the columns
  refused(patched(185, 1, 1), "offset 185");
  CHECK(parsed.value().lengths == set.lengths);
  refused(patched(256 + 8 * 4, 1, 8), "offset 288");  // lengths of addresses: no address column
  refused(patched(256 + 8 * 6, 1, 8), "offset 304");  // reserved
  // Row 3 of 3 rows: rows 4 keep the row bits (2) but the entries name rows < 3 only, so take row
  // count 3 with an entry naming row 3 by editing a record's payload.
  const std::size_t recordsAt = bytes.size() - set.index.size() * 8;
  std::string badRow = bytes;
  badRow[recordsAt] = static_cast<char>((badRow[recordsAt] & ~0x03) | 0x03);  // row 3
  const std::size_t tableAt = 320;
  auto badRowResult = fp::parseEdmArtifact(badRow);
  REQUIRE_FALSE(badRowResult);
  CHECK(badRowResult.error().where == "offset " + std::to_string(tableAt));
  // A column number past the columns (payload bits 5: column 7 of 5).
  std::string badColumn = bytes;
  badColumn[recordsAt] = static_cast<char>((badColumn[recordsAt] & 0x03) | (7 << 2));
  refused(badColumn, "offset 320");
  // Out of order: the first two records swapped.
  std::string swapped = bytes;
  std::swap_ranges(swapped.begin() + recordsAt, swapped.begin() + recordsAt + 8, swapped.begin() + recordsAt + 8);
  refused(swapped, "offset 320");
  refused(bytes.substr(0, bytes.size() - 1), "offset 16");
  fp::ArtifactLimits small;
  small.maxEntries = 2;
  auto tooMany = fp::parseEdmArtifact(bytes, small);
  REQUIRE_FALSE(tooMany);
  CHECK(tooMany.error().kind == mamori::common::ErrorKind::kTooLarge);
}

TEST_CASE("a value of more than 64 rows is not stored, and matching is the same without it") {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kPhone, fp::EdmType::kEmail};
  std::vector<fp::EdmEntry> entries;
  constexpr std::uint32_t kShared = 65, kRowsTotal = 130;
  for (std::uint32_t row = 0; row < kRowsTotal; ++row) {
    // Rows 0..64 share one switchboard number; the others share one of 64 rows at most.
    const std::string phone = row < kShared ? "03-0000-0000" : "06-1111-" + std::to_string(1000 + (row - kShared) / 64);
    fp::hashEdmRow(testKey(), columns,
                   {"Name" + std::string(1, static_cast<char>('a' + row % 26)) + " Person" + std::to_string(row), phone,
                    "p" + std::to_string(row) + "@example.jp"},
                   row, entries);
  }
  auto set = fp::buildEdmSet("t", 1, testKey().keyId(), columns, 2, kRowsTotal, entries);
  REQUIRE(set);
  const auto records = [&](std::string_view phone) {
    const auto [from, to] = set.value().index.find(
        fp::edmValueHash(testKey(), fp::EdmKind::kPhone, *fp::normalizeEdmValue(fp::EdmKind::kPhone, phone)));
    return to - from;
  };
  CHECK(records("03-0000-0000") == 0);   // 65 rows: dropped
  CHECK(records("06-1111-1000") == 64);  // 64 rows: kept
  // The shared number beside a row's e-mail does not find the row (it never did); its own values do.
  CHECK(rows(set.value(), "03-0000-0000, p3@example.jp") == 0);
  CHECK(rows(set.value(), "06-1111-1000, p70@example.jp") == 1);
}
