#include "fingerprint/EdmSet.h"

#include <algorithm>
#include <array>
#include <bit>

#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

unsigned edmRowBits(std::int64_t rows) {
  return static_cast<unsigned>(std::bit_width(static_cast<std::uint64_t>(rows > 0 ? rows - 1 : 0)));
}

unsigned edmColumnBits(std::size_t columns) {
  return static_cast<unsigned>(std::bit_width(columns > 0 ? columns - 1 : 0));
}

std::size_t hashEdmRow(const FingerprintKey& key, const std::vector<EdmType>& columns,
                       const std::vector<std::string_view>& cells, std::uint32_t row, std::vector<EdmEntry>& out,
                       std::vector<std::uint64_t>* lengths) {
  std::size_t unreadable = 0;
  for (std::size_t column = 0; column < columns.size() && column < cells.size(); ++column) {
    if (columns[column] == EdmType::kSkip) continue;
    const auto values = edmCellValues(columns[column], cells[column]);
    if (values.empty()) {
      if (cells[column].find_first_not_of(" \t\r\n") != std::string_view::npos) ++unreadable;
      continue;
    }
    for (const auto& value : values) {
      out.push_back({edmValueHash(key, edmKind(columns[column]), value) | column, row});
      if (lengths == nullptr || column >= lengths->size()) continue;
      std::uint64_t& mask = (*lengths)[column];
      const bool digit = std::any_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      // The digit bit: set with the column's first value (the mask is still zero), kept while every value has one.
      if (!digit)
        mask &= ~kEdmDigitBit;
      else if (mask == 0)
        mask = kEdmDigitBit;
      mask |= edmLengthBit(value.size());
    }
  }
  return unreadable;
}

common::Result<EdmSet> buildEdmSet(std::string name, std::int64_t version, std::string keyId,
                                   std::vector<EdmType> columns, std::int64_t minColumns, std::int64_t rows,
                                   std::vector<EdmEntry> entries, const std::vector<std::uint64_t>& columnLengths) {
  if (columns.empty() || columns.size() > kEdmMaxColumns)
    return artifact::corrupt("expected 1 to " + std::to_string(kEdmMaxColumns) + " columns", "/columns");
  if (rows < 0 || rows > (std::int64_t{1} << 32U)) return artifact::corrupt("row count out of range", "/rows");
  EdmSet set;
  set.name = std::move(name);
  set.version = version;
  set.keyId = std::move(keyId);
  set.columns = std::move(columns);
  set.minColumns = minColumns;
  set.rows = rows;
  set.rowBits = edmRowBits(rows);
  if (!columnLengths.empty() && columnLengths.size() != set.columns.size())
    return artifact::corrupt("expected a length mask per column", "/lengths");
  std::array<bool, kEdmKinds> digits{};  // every column of the kind says its values hold digits
  digits.fill(!columnLengths.empty());
  for (std::size_t c = 0; c < set.columns.size(); ++c) {
    if (set.columns[c] == EdmType::kSkip) continue;
    const auto kind = static_cast<std::size_t>(edmKind(set.columns[c]));
    set.lengths[kind] |= (columnLengths.empty() ? kEdmAnyLength : columnLengths[c]) & ~kEdmDigitBit;
    // A column without values (its mask zero) finds nothing: it does not take the kind's digit bit away.
    digits[kind] = digits[kind] && (columnLengths[c] == 0 || (columnLengths[c] & kEdmDigitBit) != 0);
  }
  for (std::size_t kind = 0; kind < kEdmKinds; ++kind)
    if (digits[kind] && set.lengths[kind] != 0) set.lengths[kind] |= kEdmDigitBit;
  std::vector<SetIndex::Entry> indexed;
  indexed.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (static_cast<std::int64_t>(e.row) >= rows || (e.key & kEdmColumnMask) >= set.columns.size() ||
        set.columns[e.key & kEdmColumnMask] == EdmType::kSkip)
      return artifact::corrupt("entry " + std::to_string(i) + " names row " + std::to_string(e.row) + " column " +
                                   std::to_string(e.key & kEdmColumnMask) + " outside the table",
                               "/entries");
    indexed.push_back({e.key & ~kEdmColumnMask, ((e.key & kEdmColumnMask) << set.rowBits) | e.row});
  }
  entries.clear();
  entries.shrink_to_fit();
  // A value of more rows than the matcher uses (kEdmMaxRowsPerValue: it identifies none) is not stored:
  // the agent would find its records only to drop them.
  set.index = SetIndex::build(std::move(indexed), set.rowBits + edmColumnBits(set.columns.size()), kEdmMaxRowsPerValue);
  set.presentColumns = 0;
  for (std::uint64_t i = 0; i < set.index.size(); ++i)
    set.presentColumns |= std::uint64_t{1} << set.columnOf(set.index.payloadAt(i));
  return set;
}

std::string packEdmEntries(const std::vector<EdmEntry>& entries) {
  std::string packed;
  packed.reserve(entries.size() * kEdmEntryBytes);
  for (const auto& e : entries) {
    artifact::putLittleEndian(packed, e.key, 8);
    artifact::putLittleEndian(packed, e.row, 4);
  }
  return packed;
}

common::Result<std::vector<EdmEntry>> unpackEdmEntries(std::string_view packed, std::size_t maxEntries) {
  if (packed.size() % kEdmEntryBytes != 0)
    return artifact::corrupt("length is not a multiple of " + std::to_string(kEdmEntryBytes) + " bytes", "/entries");
  if (packed.size() / kEdmEntryBytes > maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge, "more than " + std::to_string(maxEntries) + " entries",
                             "/entries");
  std::vector<EdmEntry> out(packed.size() / kEdmEntryBytes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t at = i * kEdmEntryBytes;
    out[i] = {common::le64(packed, at), common::le32(packed, at + 8)};
  }
  return out;
}

}  // namespace mamori::fingerprint
