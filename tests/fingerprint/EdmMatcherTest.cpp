#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "fingerprint/EdmArtifact.h"
#include "fingerprint/EdmMatcher.h"
#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;

namespace {

const fp::FingerprintKey& testKey() {
  static const auto key = fp::FingerprintKey::fromText(std::string(42, 'k') + "A").value();
  return key;
}

// name, kana, phone, email, mynumber
const std::vector<std::vector<std::string>>& registeredRows() {
  static const std::vector<std::vector<std::string>> rows = {
      {"山田 太郎", "ヤマダ タロウ", "03-1234-5678", "taro@example.jp", "123456789018"},
      {"佐藤 花子", "サトウ ハナコ", "090-2222-3333", "hanako@example.jp", "234567890123"},
      {"鈴木 一郎", "スズキ イチロウ", "06-5555-6666", "ichiro@example.jp", "345678901234"},
  };
  return rows;
}

// With withLengths, the set knows its values' lengths (as mamorictl uploads them) and the scanner skips
// candidates of other lengths; without, every candidate is hashed and looked up.
fp::EdmSet sample(std::int64_t minColumns = 2, bool withLengths = true) {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kKana, fp::EdmType::kPhone,
                                            fp::EdmType::kEmail, fp::EdmType::kMyNumber};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  for (std::size_t r = 0; r < registeredRows().size(); ++r) {
    std::vector<std::string_view> cells(registeredRows()[r].begin(), registeredRows()[r].end());
    CHECK(fp::hashEdmRow(testKey(), columns, cells, static_cast<std::uint32_t>(r), entries, &lengths) == 0);
  }
  auto set = fp::buildEdmSet("customers", 3, testKey().keyId(), columns, minColumns,
                             static_cast<std::int64_t>(registeredRows().size()), entries,
                             withLengths ? lengths : std::vector<std::uint64_t>{});
  REQUIRE(set);
  set.value().createdAt = "2026-12-06T18:00:00.000Z";
  return set.value();
}

// The rows found, by the anchored pass (what scans use) and checked against every candidate's.
std::int64_t rows(const fp::EdmSet& set, std::string_view text) {
  const auto anchored = fp::matchEdm(set, testKey(), text);
  const auto every = fp::matchEdm(set, testKey(), text, fp::EdmPass::kEveryCandidate);
  CHECK(anchored.rows == every.rows);
  CHECK(anchored.columnTypes == every.columnTypes);
  return anchored.rows;
}

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
    // A phone starting with a separator that is not ASCII (a prolonged sound mark, a hyphen, a
    // full-width parenthesis or plus).
    for (const std::string phone :
         {"ー03-1234-5678", "‐03-1234-5678", "－03-1234-5678", "（03）1234-5678", "＋81 3-1234-5678"})
      CHECK_MESSAGE(rows(set, "山田太郎," + phone + "\n") == 1, phone);
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
  refused(patched(8, 4, 4), "offset 8");            // 4 is fingerprint sets' format (docs/decisions/0063), not EDM's
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
  const auto records = static_cast<std::ptrdiff_t>(recordsAt);
  std::swap_ranges(swapped.begin() + records, swapped.begin() + records + 8, swapped.begin() + records + 8);
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

namespace {

// A generated customer table (name, kana, address, phone, e-mail, My Number) whose addresses are
// shared by several rows and some phones by two, for the anchored pass's comparison with every
// candidate's (docs/decisions/0057).
struct Table {
  std::vector<std::vector<std::string>> rows;
  fp::EdmSet set;
};

// sharedNames: every row has the same name and kana (more than 64 rows: the set keeps none of them).
Table table(std::uint32_t count, bool digitlessAddress = false, bool sharedNames = false) {
  static const std::vector<std::string> kFamilies = {"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "Smith", "Brown"};
  static const std::vector<std::string> kFamilyKana = {"ヤマダ", "サトウ", "スズキ", "タカハシ",
                                                       "タナカ", "イトウ", "スミス", "ブラウン"};
  static const std::vector<std::string> kGiven = {"太郎", "花子", "一郎", "美咲", "John", "Mary"};
  static const std::vector<std::string> kGivenKana = {"タロウ", "ハナコ", "イチロウ", "ミサキ", "ジョン", "メアリー"};
  static const std::vector<std::string> kPlaces = {"東京都千代田区", "大阪府大阪市北区", "横浜市中区"};
  std::mt19937 rng(57);
  Table t;
  for (std::uint32_t r = 0; r < count; ++r) {
    std::size_t f = rng() % kFamilies.size(), g = rng() % kGiven.size();
    if (sharedNames) f = g = 0;
    std::string address = kPlaces[rng() % kPlaces.size()] + std::to_string(1 + rng() % 3) + "-" +
                          std::to_string(1 + rng() % 4) + "-" + std::to_string(1 + rng() % 3);
    if (digitlessAddress && r == 0) address = "東京都千代田区丸の内";
    const std::string phone = "0" + std::to_string(3 + r % 7) + "-" + std::to_string(1000 + r / 2) + "-" +
                              std::to_string(2000 + (r / 2) % 7000);  // rows 2k and 2k+1 share some
    t.rows.push_back({kFamilies[f] + " " + kGiven[g], kFamilyKana[f] + " " + kGivenKana[g], address,
                      r % 5 == 0 ? "03-" + std::to_string(1000 + r) + "-0000" : phone,
                      "c" + std::to_string(r) + "@example.jp", std::to_string(100000000000ULL + r * 7919ULL)});
  }
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName,  fp::EdmType::kKana,  fp::EdmType::kAddress,
                                            fp::EdmType::kPhone, fp::EdmType::kEmail, fp::EdmType::kMyNumber};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  for (std::uint32_t r = 0; r < count; ++r) {
    const std::vector<std::string_view> cells(t.rows[r].begin(), t.rows[r].end());
    fp::hashEdmRow(testKey(), columns, cells, r, entries, &lengths);
  }
  t.set = fp::buildEdmSet("g", 1, testKey().keyId(), columns, 2, count, entries, lengths).value();
  return t;
}

// A value of column as a file may write it.
std::string written(std::mt19937& rng, const std::vector<std::string>& row, std::size_t column) {
  std::string value = row[column];
  const auto replace = [&](std::string_view from, std::string_view to) {
    for (std::size_t at = value.find(from); at != std::string::npos; at = value.find(from, at + to.size()))
      value.replace(at, from.size(), to);
  };
  switch (rng() % 4) {
    case 0: return value;
    case 1:
      if (column == 3) replace("-", " ");
      if (column == 2) replace("-", "丁目");
      if (column == 0) value = value.substr(value.find(' ') + 1) + " " + value.substr(0, value.find(' '));
      return value;
    case 2:  // full-width digits; a circled 1 for an address's first block
      if (column == 2 && value.find("1-") != std::string::npos) {
        value.replace(value.find("1-"), 1, "①");
        return value;
      }
      for (char d = '9'; d >= '0'; --d) {
        std::string wide = "０";
        wide[2] = static_cast<char>(static_cast<unsigned char>(wide[2]) + (d - '0'));
        replace(std::string(1, d), wide);
      }
      return value;
    default:
      if (column == 0) return value + "様";
      if (column == 3) return "TEL " + value;
      return value;
  }
}

std::string filler(std::mt19937& rng, std::size_t bytes) {
  static const std::vector<std::string> kWords = {"the", "plan", "customer", "price", "quarter", "in", "2024", "room",
                                                  "3F", "a@b", "営業", "顧客", "計画", "予算", "売上", "の", "を", "に",
                                                  "は", "。", "、", "Q3", "２０２５", "①", "x@y.z", "100", "Tokyo",
                                                  // cuts and triggers of other lead bytes, and bytes that are not UTF-8
                                                  "「営業」", "：", "，", "\xC2\xA0", "　", "café", "²", "⑴", "㈱", "𝟏",
                                                  "ｶﾞ", "\xE3\x80", "\xEF\xBC", "\xF0\x9F", "\xC3", "顧客データ連携"};
  std::string out;
  while (out.size() < bytes) {
    out += kWords[rng() % kWords.size()];
    const auto r = rng() % 20;
    out += r == 0 ? "\n" : r == 1 ? ", " : r < 12 ? " " : "";
  }
  return out;
}

// A text of registered rows' values in random layouts, values of other rows and of no row between
// them, prose with digits and '@' around, at distances near the set's window.
std::string generated(std::mt19937& rng, const Table& t) {
  const std::size_t window = static_cast<std::size_t>(t.set.window);
  std::string text = filler(rng, rng() % 200);
  const std::size_t records = 1 + rng() % 6;
  for (std::size_t k = 0; k < records; ++k) {
    const auto& row = t.rows[rng() % t.rows.size()];
    std::vector<std::size_t> columns = {0, 1, 2, 3, 4, 5};
    std::shuffle(columns.begin(), columns.end(), rng);
    columns.resize(1 + rng() % 4);
    const auto layout = rng() % 4;
    for (const std::size_t c : columns) {
      std::string value = written(rng, row, c);
      if (rng() % 8 == 0) value = written(rng, t.rows[rng() % t.rows.size()], c);           // another row's
      if (rng() % 16 == 0) value = "090-" + std::to_string(rng() % 9000 + 1000) + "-9999";  // no row's
      switch (layout) {
        case 0: text += value + ","; break;   // a CSV line
        case 1: text += value + "\n"; break;  // a cell a line
        case 2: text += "氏名: " + value + "\n"; break;
        default: {  // prose between, about the window apart
          const std::size_t gap = rng() % 3 == 0 ? window - 8 + rng() % 16 : rng() % (window / 2 + 1);
          text += value + " " + filler(rng, gap) + " ";
        }
      }
    }
    text += rng() % 2 == 0 ? "\n" : " ";
    text += filler(rng, rng() % (2 * window));
  }
  return text;
}

// Compares the anchored pass with every candidate's on perWindow generated texts at each of three
// windows; answers how many texts hold rows.
std::size_t compareOnGenerated(Table& t, std::mt19937& rng, int perWindow) {
  std::size_t withRows = 0;
  for (const std::int64_t window : {32, 100, 512}) {
    t.set.window = window;
    for (int i = 0; i < perWindow; ++i) {
      const std::string text = generated(rng, t);
      CAPTURE(text);
      CAPTURE(window);
      const auto anchored = fp::matchEdm(t.set, testKey(), text);
      const auto every = fp::matchEdm(t.set, testKey(), text, fp::EdmPass::kEveryCandidate);
      CHECK(anchored.rows == every.rows);
      CHECK(anchored.columnTypes == every.columnTypes);
      if (every.rows > 0) ++withRows;
    }
  }
  return withRows;
}

}  // namespace

TEST_CASE("the anchored pass finds what every candidate finds, on generated texts") {
  auto t = table(300);
  REQUIRE(t.set.valuesHoldDigits(fp::EdmKind::kAddress));
  REQUIRE(fp::edmAnchored(t.set));
  std::mt19937 rng(18);
  const std::size_t texts = std::size_t{3} * 700;
  const std::size_t withRows = compareOnGenerated(t, rng, 700);
  // Enough of them hold rows (and enough do not) for the comparison to mean something.
  MESSAGE(withRows, " of ", texts, " texts hold rows");
  CHECK(withRows > texts / 4);
  CHECK(withRows < texts * 9 / 10);
}

TEST_CASE("a text and the text followed by a line feed find the same rows") {
  // The scanner matches a file of one piece on its text alone and a file of several on their texts
  // each followed by '\n' (scan/ContentInspector.cpp): both passes must answer the same for both.
  auto t = table(300);
  std::mt19937 rng(19);
  std::size_t withRows = 0;
  for (const std::int64_t window : {32, 512}) {
    t.set.window = window;
    for (int i = 0; i < 400; ++i) {
      const std::string whole = generated(rng, t);
      // Cut anywhere: inside a value, a character or a line, or right after a value.
      const std::string text = whole.substr(0, i % 4 == 0 ? whole.size() : rng() % (whole.size() + 1));
      CAPTURE(text);
      for (const auto pass : {fp::EdmPass::kAnchored, fp::EdmPass::kEveryCandidate}) {
        const auto got = fp::matchEdm(t.set, testKey(), text, pass);
        const auto withLineFeed = fp::matchEdm(t.set, testKey(), text + "\n", pass);
        CHECK(got.rows == withLineFeed.rows);
        CHECK(got.columnTypes == withLineFeed.columnTypes);
        if (got.rows > 0 && pass == fp::EdmPass::kAnchored) ++withRows;
      }
    }
  }
  CHECK(withRows > 100);
  // A row whose last value ends the text.
  const auto set = sample();
  for (const std::string_view text :
       {"山田太郎,03-1234-5678", "山田太郎 taro@example.jp", "ヤマダ タロウ\t123456789018"}) {
    CHECK(rows(set, text) == 1);
    CHECK(rows(set, std::string(text) + "\n") == 1);
  }
}

TEST_CASE("columns whose values were all dropped are not looked for, and the answer is the same") {
  // Every row has the same name: the set holds no name or kana value (each of 300 rows), like a
  // table of a few common names, and the matcher reads no field for them.
  auto shared = table(300, false, true);
  CHECK(shared.set.presentColumns == 0b111100);  // address, phone, e-mail, My Number
  CHECK(fp::parseEdmArtifact(fp::edmArtifact(shared.set)).value().presentColumns == shared.set.presentColumns);
  CHECK(table(300).set.presentColumns == 0b111111);
  auto unknown = shared.set;  // as before: every column's kind looked for
  unknown.presentColumns = ~std::uint64_t{0};
  std::mt19937 rng(61);
  std::size_t withRows = 0;
  for (const std::int64_t window : {32, 100, 512}) {
    shared.set.window = unknown.window = window;
    for (int i = 0; i < 300; ++i) {
      const std::string text = generated(rng, shared);
      CAPTURE(text);
      const auto anchored = fp::matchEdm(shared.set, testKey(), text);
      const auto before = fp::matchEdm(unknown, testKey(), text, fp::EdmPass::kEveryCandidate);
      CHECK(anchored.rows == before.rows);
      CHECK(anchored.columnTypes == before.columnTypes);
      CHECK(fp::matchEdm(shared.set, testKey(), text, fp::EdmPass::kEveryCandidate).rows == before.rows);
      if (before.rows > 0) ++withRows;
    }
  }
  MESSAGE(withRows, " of 900 texts hold rows");
  CHECK(withRows > 900 / 5);
}

TEST_CASE("addresses, names and text are looked up only around phones, e-mails and numbers when rows need one") {
  // With fewer columns of other kinds than min_columns, every row found has a phone, an e-mail or a
  // number in each window that finds it: the other kinds are read only around those (0066). With as
  // many, they are read as before. Either way the answer is every candidate's.
  struct Case {
    bool sharedNames;
    std::int64_t minColumns;
    bool digitlessAddress = false;
  };
  // (shared names: address, phone, e-mail, My Number have values; else name and kana too. A digitless
  // address: the set does not anchor on addresses, 0057, but still on the other three kinds.)
  for (const Case c : {Case{true, 2}, Case{true, 3}, Case{false, 3}, Case{false, 4}, Case{true, 2, true}}) {
    CAPTURE(c.sharedNames);
    CAPTURE(c.minColumns);
    CAPTURE(c.digitlessAddress);
    auto t = table(300, c.digitlessAddress, c.sharedNames);
    CHECK(fp::edmAnchored(t.set) == !c.digitlessAddress);
    t.set.minColumns = c.minColumns;
    std::mt19937 rng(65 + static_cast<unsigned>(c.minColumns));
    const std::size_t withRows = compareOnGenerated(t, rng, 400);
    MESSAGE(withRows, " of 1200 texts hold rows");
    CHECK(withRows > 1200 / 10);
    CHECK(withRows < 1200 * 9 / 10);
  }
  // Row 0's address holds no digit: found in a field without a trigger, around its phone.
  const auto digitless = table(300, true, true);
  const auto& row = digitless.rows[0];
  CHECK(rows(digitless.set, "送付先: " + row[2] + " 様\n電話: " + row[3] + "\n") == 1);
  CHECK(rows(digitless.set, row[3] + "\n" + std::string(600, 'x') + "\n" + row[2] + "\n") == 0);
}

TEST_CASE("a set anchors only when every strong column's values hold a digit or an @") {
  CHECK(fp::edmAnchored(sample()));  // name, kana, phone, e-mail, My Number
  const auto withAddresses = table(20);
  CHECK(fp::edmAnchored(withAddresses.set));
  // One address without a block number: addresses are not anchors, the set is read whole.
  const auto digitless = table(20, true);
  CHECK_FALSE(digitless.set.valuesHoldDigits(fp::EdmKind::kAddress));
  CHECK_FALSE(fp::edmAnchored(digitless.set));
  CHECK(digitless.set.holdsLength(fp::EdmKind::kAddress, std::string_view("東京都千代田区丸の内").size()));
  // The digit bit survives the artifact; a set without length masks says nothing of digits.
  CHECK(fp::parseEdmArtifact(fp::edmArtifact(withAddresses.set)).value().valuesHoldDigits(fp::EdmKind::kAddress));
  auto unmasked = withAddresses.set;
  unmasked.lengths.fill(fp::kEdmAnyLength);
  CHECK_FALSE(fp::edmAnchored(unmasked));
  // The same answers either way on texts that hold rows (of the same table: the digitless one's row 0
  // has another address); rows() also compares each set's passes.
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    const std::string text = generated(rng, withAddresses);
    CHECK(rows(withAddresses.set, text) == rows(unmasked, text));
    rows(digitless.set, generated(rng, digitless));
  }
}

namespace {

// A set of one row: the name 山田 太郎 and address.
fp::EdmSet nameAndAddress(const std::string& address) {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kAddress};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  fp::hashEdmRow(testKey(), columns, {"山田 太郎", address}, 0, entries, &lengths);
  return fp::buildEdmSet("a", 1, testKey().keyId(), columns, 2, 1, entries, lengths).value();
}

}  // namespace

TEST_CASE("an address whose only digit is a compatibility form is found by the anchored pass") {
  const auto set = nameAndAddress("大阪府大阪市北区1");
  REQUIRE(fp::edmAnchored(set));
  // Full-width, superscript, circled, parenthesised, mathematical: each a lead byte of its own.
  for (const std::string one : {"1", "１", "¹", "①", "⑴", "𝟏", "㏠"}) {
    CAPTURE(one);
    const bool read = one != "㏠";  // 1日: not the registered address, but a trigger all the same
    CHECK(rows(set, "顧客 山田 太郎\n大阪府大阪市北区" + one + "\n") == (read ? 1 : 0));
    for (std::size_t pad = 0; pad < 70; ++pad) {  // at every place of a 64-byte block of the trigger search
      CHECK(rows(set, std::string(pad, 'z') + "\n顧客 山田 太郎\n大阪府大阪市北区" + one + "\n" +
                          std::string(80, 'z')) == (read ? 1 : 0));
      // ... and of the field cutter's (a line long enough for its 16-byte blocks)
      CHECK(rows(set, "顧客 山田 太郎\n" + std::string(pad, 'z') + ",大阪府大阪市北区" + one + "," +
                          std::string(20, 'z') + "\n") == (read ? 1 : 0));
    }
  }
}

TEST_CASE("an e-mail whose only trigger is its '@' is found at every place of the trigger search's blocks") {
  const auto set = sample();
  for (std::size_t pad = 0; pad < 70; ++pad) {
    CHECK(rows(set, std::string(pad, 'z') + "\n山田 太郎 taro@example.jp\n" + std::string(80, 'z')) == 1);
  }
}

TEST_CASE("an address written with a circled number of the CJK blocks is found in a long line") {
  const auto set = nameAndAddress("大阪府大阪市北区21");
  REQUIRE(fp::edmAnchored(set));
  for (std::size_t pad = 0; pad < 20; ++pad)  // ㉑ (U+3251, E3 89 91) at every place of a 16-byte block
    CHECK(rows(set,
               "顧客 山田 太郎\n" + std::string(pad, 'z') + ",大阪府大阪市北区㉑," + std::string(20, 'z') + "\n") == 1);
}

TEST_CASE("every character that normalises to a digit is a trigger of the anchored pass") {
  std::vector<std::uint32_t> missed;
  std::string utf8;
  std::u32string normalized;
  for (std::uint32_t c = 0x80; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    utf8.clear();
    fp::appendUtf8(utf8, static_cast<char32_t>(c));
    fp::normalizeTextInto(utf8, normalized);
    const bool digit =
        std::any_of(normalized.begin(), normalized.end(), [](char32_t n) { return n >= '0' && n <= '9'; });
    if (digit && !fp::edmDigitSource(c)) missed.push_back(c);
  }
  std::string shown;
  for (std::size_t i = 0; i < missed.size() && i < 20; ++i) shown += std::to_string(missed[i]) + " ";
  CHECK_MESSAGE(missed.empty(), shown);
}

namespace {

// Words of every class the field cutter tells apart: ASCII and non-ASCII cuts (and their neighbours
// that are not), triggers of every lead byte (and lead bytes followed by what is not one), phones,
// e-mails and numbers as files write them, characters that normalise longer, and bytes that are not
// UTF-8 (truncated, surrogates, overlong, lone continuation bytes).
const std::vector<std::string>& blockWords() {
  static const std::vector<std::string> kWords = {"山田",
                                                  "太郎",
                                                  "ヤマダ",
                                                  "Taro",
                                                  "plan",
                                                  "x",
                                                  "=",
                                                  "{",
                                                  "\\",
                                                  "~",
                                                  "\x7F",
                                                  "\x01",
                                                  "'",
                                                  "03-1234-5678",
                                                  "(03) 1234 5678",
                                                  "+81 3 1234 5678",
                                                  "０３－１２３４－５６７８",
                                                  "090.2222.3333",
                                                  "taro@example.jp",
                                                  "ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＪＰ",
                                                  "a@b",
                                                  "@",
                                                  "123456789018",
                                                  "1234 5678 9018",
                                                  "42",
                                                  "東京都千代田区1-2-3",
                                                  "1丁目2番3号",
                                                  "大阪市北区２１",
                                                  "大阪市北区㉑",
                                                  "²",
                                                  "¹",
                                                  "¼",
                                                  "¡",
                                                  "⁰",
                                                  "₁",
                                                  "①",
                                                  "⑴",
                                                  "❶",
                                                  "Ⅻ",
                                                  "㈱",
                                                  "㍻",
                                                  "㌔",
                                                  "ﬁ",
                                                  "ｶﾞ",
                                                  "０",
                                                  "９",
                                                  "𝟏",
                                                  "🄀",
                                                  "🯰",
                                                  "😀",
                                                  "、",
                                                  "。",
                                                  "『",
                                                  "＝",
                                                  "・",
                                                  "ー",
                                                  "—",
                                                  "−",
                                                  "\xE3\x80",
                                                  "\xEF\xBC",
                                                  "\xF0\x9F",
                                                  "\xF0\x9D",
                                                  "\xC2",
                                                  "\xC3",
                                                  "\x80",
                                                  "\xBC\x8C",
                                                  "\xED\xA0\x80",
                                                  "\xE0\x80\x80",
                                                  "\xC0\xA0",
                                                  "\xE3\x80\x80\x80",
                                                  "\xEF\xBC\x8C\x8C"};
  return kWords;
}
const std::vector<std::string>& blockCuts() {
  static const std::vector<std::string> kCuts = {" ",        "  ", "\t", "\n", "\r\n", "\v", "\f", ",",  ", ",
                                                 ";",        "|",  "\"", ":",  "<",    ">",  "[",  "]",  "　",
                                                 "\xC2\xA0", "，", "：", "；", "「",   "」", "＜", "＞", ""};
  return kCuts;
}

std::string blockText(std::mt19937& rng, std::size_t bytes) {
  std::string text;
  while (text.size() < bytes) {
    const auto& word = blockWords()[rng() % blockWords().size()];
    // Now and then a long word (across a 64-byte block) or a long run of one byte.
    if (rng() % 40 == 0) {
      for (std::size_t i = 0, n = 2 + rng() % 30; i < n; ++i) text += word;
    } else if (rng() % 60 == 0) {
      text += std::string(1 + rng() % 70, rng() % 2 == 0 ? 'z' : '7');
    } else {
      text += word;
    }
    text += blockCuts()[rng() % blockCuts().size()];
  }
  return text;
}

// A set whose values are blockWords() and runs of them: most candidates of blockText() are values.
// minBytes: only name, address and text values of at least that many bytes (then a field shorter than
// all of them is read only when it is not ASCII: "㍻" is "平成").
fp::EdmSet blockSet(std::mt19937& rng, std::size_t minBytes, bool withLengths) {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName,   fp::EdmType::kPhone,   fp::EdmType::kEmail,
                                            fp::EdmType::kNumber, fp::EdmType::kAddress, fp::EdmType::kText};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  const auto phrase = [&](std::size_t words) {
    std::string out = blockWords()[rng() % blockWords().size()];
    for (std::size_t i = 1; i < words; ++i) out += " " + blockWords()[rng() % blockWords().size()];
    return out;
  };
  constexpr std::uint32_t kRows = 400;
  for (std::uint32_t r = 0; r < kRows; ++r) {
    std::vector<std::string> cells;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::string cell = phrase(1 + rng() % 3);
      if (minBytes > 0 && c != 1 && c != 2 && c != 3) {
        const auto value = fp::normalizeEdmValue(fp::edmKind(columns[c]), cell);
        if (!value || value->size() < minBytes) cell = r < 20 ? "平成" : cell + " 長い値";
      }
      cells.push_back(cell);
    }
    const std::vector<std::string_view> views(cells.begin(), cells.end());
    fp::hashEdmRow(testKey(), columns, views, r, entries, &lengths);
  }
  auto set = fp::buildEdmSet("blocks", 1, testKey().keyId(), columns, 2, kRows, entries,
                             withLengths ? lengths : std::vector<std::uint64_t>{});
  REQUIRE(set);
  return set.value();
}

}  // namespace

TEST_CASE("reading by blocks of bytes finds the values that reading character by character finds") {
  // Every kernel this processor runs (the chosen one: AVX-512, AVX2 or SSE2; with
  // MAMORI_CPU_FEATURES=baseline only SSE2 and the portable one).
  constexpr std::array<fp::EdmReader, 5> kReaders = {fp::EdmReader::kBytes, fp::EdmReader::kSse2, fp::EdmReader::kAvx2,
                                                     fp::EdmReader::kAvx512, fp::EdmReader::kChosen};
  CHECK(fp::edmReaderRuns(fp::EdmReader::kSse2));
  std::mt19937 rng(67);
  const std::vector<fp::EdmSet> sets = {blockSet(rng, 0, true), blockSet(rng, 0, false), blockSet(rng, 7, true)};
  std::size_t values = 0;
  for (int i = 0; i < 1500; ++i) {
    const auto& set = sets[static_cast<std::size_t>(i) % sets.size()];
    // Short texts (the last block is read byte by byte) and texts of many blocks.
    const std::string text = blockText(rng, i % 3 == 0 ? rng() % 80 : rng() % 900);
    CAPTURE(text);
    CAPTURE(i);
    for (const auto fields : {fp::EdmFields::kEvery, fp::EdmFields::kTriggered, fp::EdmFields::kUntriggered}) {
      const auto byCharacters = fp::edmValuesRead(set, testKey(), text, fields, fp::EdmReader::kCharacters);
      for (const auto reader : kReaders) {
        CAPTURE(static_cast<int>(reader));
        if (fp::edmReaderRuns(reader)) REQUIRE(fp::edmValuesRead(set, testKey(), text, fields, reader) == byCharacters);
      }
      values += byCharacters.size();
    }
  }
  MESSAGE(values, " values found");
  CHECK(values > 100000);
  // A field shorter than every registered name, address or text is read when it is not ASCII.
  const auto& longer = sets[2];
  CHECK_FALSE(fp::edmValuesRead(longer, testKey(), "x,㍻,x", fp::EdmFields::kEvery, fp::EdmReader::kChosen).empty());
  CHECK(fp::edmValuesRead(longer, testKey(), "x,ab,x", fp::EdmFields::kEvery, fp::EdmReader::kChosen).empty());
}

TEST_CASE("an ASCII field is read for names, addresses and text as long as its letters and digits") {
  // The matcher skips an ASCII field with fewer letters and digits than every such value of the set:
  // the normaliser keeps only those of ASCII text, one byte each.
  std::mt19937 rng(71);
  std::u32string normalized;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (std::size_t n = rng() % 40; n > 0; --n) text += static_cast<char>(rng() % 128);
    std::string expected;
    for (const char c : text)
      if (std::isalnum(static_cast<unsigned char>(c)) != 0)
        expected += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fp::normalizeTextInto(text, normalized);
    std::string utf8;
    fp::appendUtf8(utf8, normalized);
    CHECK(utf8 == expected);
  }
  // A text column whose shortest value is 7 bytes: a field of 7 letters and digits among punctuation.
  const std::vector<fp::EdmType> columns = {fp::EdmType::kText, fp::EdmType::kPhone};
  std::vector<fp::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.size(), 0);
  fp::hashEdmRow(testKey(), columns, {"ab12cdx", "03-1234-5678"}, 0, entries, &lengths);
  fp::hashEdmRow(testKey(), columns, {"longer value", "03-1234-5679"}, 1, entries, &lengths);
  const auto set = fp::buildEdmSet("a", 1, testKey().keyId(), columns, 2, 2, entries, lengths).value();
  CHECK_FALSE(set.holdsLength(fp::EdmKind::kText, 6));
  CHECK(rows(set, "AB-12.cd@x, 03-1234-5678\n") == 1);
  CHECK(rows(set, "(AB) 12 cd.X, 03-1234-5678\n") == 1);
  CHECK(rows(set, "AB-12.cd 03-1234-5678\n") == 0);
}

TEST_CASE("every kernel of the trigger search finds what the byte loop finds") {
  constexpr std::array<fp::EdmReader, 4> kKernels = {fp::EdmReader::kSse2, fp::EdmReader::kAvx2, fp::EdmReader::kAvx512,
                                                     fp::EdmReader::kChosen};
  std::mt19937 rng(73);
  std::size_t found = 0;
  for (int i = 0; i < 600; ++i) {
    // Words of every class, and long runs of prose (kana, kanji, punctuation) without a trigger.
    std::string text;
    while (text.size() < 1500) {
      text += blockText(rng, rng() % 60);
      for (std::size_t n = rng() % 200; n > 0; --n) text += rng() % 3 == 0 ? "の" : rng() % 2 == 0 ? "計画" : "、";
    }
    CAPTURE(text);
    for (std::size_t from = rng() % 8; from < text.size(); ++found) {
      const auto expected = fp::edmNextTrigger(text, from, fp::EdmReader::kBytes).value();
      for (const auto kernel : kKernels) {
        CAPTURE(static_cast<int>(kernel));
        const auto got = fp::edmNextTrigger(text, from, kernel);
        if (got) REQUIRE(*got == expected);
      }
      if (expected == std::string_view::npos) break;
      from = expected + 1;
    }
  }
  MESSAGE(found, " triggers found");
  CHECK(found > 10000);
}
