#pragma once
// Exact data match in a scanned file's text (docs/decisions/0034). The text is cut into candidate
// values: lines, then fields at tabs, commas, semicolons, bars, quotes, colons and angle brackets
// (how a CSV, a spreadsheet's cells, a table or a mail's "Name <address>" arrive), then words at
// spaces; every run of 1 to 4 words of one field is a candidate. Each candidate is normalised as
// every kind of value the set holds, hashed with the fleet key and looked up. A row is found when
// values of at least min_columns of its columns, one of them strong (not a name), lie within
// window bytes of each other; a value shared by more than kMaxRowsPerValue rows identifies none.

#include <cstdint>
#include <string_view>
#include <vector>

#include "fingerprint/EdmSet.h"
#include "fingerprint/FingerprintKey.h"

namespace mamori::fingerprint {

constexpr std::size_t kEdmMaxWordsPerValue = 4;

struct EdmMatch {
  std::int64_t rows = 0;             // distinct rows found
  std::vector<EdmType> columnTypes;  // the types of the columns that made them found, distinct
};

EdmMatch matchEdm(const EdmSet& set, const FingerprintKey& key, std::string_view text);

}  // namespace mamori::fingerprint
