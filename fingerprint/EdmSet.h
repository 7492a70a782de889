#pragma once
// An exact-data-match set as the agent holds it (docs/decisions/0034, 0035): the column types of the
// registered table, the row-proximity rule's parameters, and one index (SetIndex) of keyed value
// hashes -> (column, row). No values, no names of columns: only 56-bit keyed hashes (uploads carry
// the column in the low 8 bits of each key; the index keeps it in the payload) and row numbers.

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "fingerprint/EdmValues.h"
#include "fingerprint/FingerprintKey.h"
#include "fingerprint/SetIndex.h"

namespace mamori::fingerprint {

constexpr std::size_t kEdmMaxColumns = 64;
constexpr std::uint64_t kEdmColumnMask = 0xFF;
// A value found in more rows than this identifies none (a switchboard number, a very common name):
// the matcher ignores it, and a set is built without it.
constexpr std::size_t kEdmMaxRowsPerValue = 64;

struct EdmEntry {
  std::uint64_t key = 0;  // keyed hash of the normalised value with the column index in its low 8 bits
  std::uint32_t row = 0;
  bool operator<(const EdmEntry& other) const { return key != other.key ? key < other.key : row < other.row; }
  bool operator==(const EdmEntry& other) const = default;
};

// The key of a normalised value of a column's kind (FingerprintKey::valueHash: SipHash-2-4 under the
// kind's key).
inline std::uint64_t edmValueHash(const FingerprintKey& key, EdmKind kind, std::string_view normalized) {
  return key.valueHash(kind, normalized) & ~kEdmColumnMask;
}

// The byte lengths of a set's normalised values, per kind of value: bit n (63 for 63 and more) is set
// when a value of a column of that kind is n bytes long. The scanner hashes and looks up only
// candidates of a length the set holds (docs/decisions/0049): most candidates of a file are not.
using EdmLengths = std::array<std::uint64_t, kEdmKinds>;
constexpr std::uint64_t kEdmAnyLength = ~std::uint64_t{0};
inline std::uint64_t edmLengthBit(std::size_t bytes) { return std::uint64_t{1} << std::min<std::size_t>(bytes, 63); }
// Bit 0 of a mask (no value is 0 bytes long) says instead that every value holds an ASCII digit: per
// column as mamorictl uploads it, per kind (every column of the kind) in a set. The scanner then looks
// for that kind's values only around characters that can make a digit (docs/decisions/0057). A set
// without masks (kEdmAnyLength) says nothing of digits.
constexpr std::uint64_t kEdmDigitBit = 1;

struct EdmSet {
  std::string name;
  std::int64_t version = 0;
  std::string keyId;
  std::string createdAt;
  std::vector<EdmType> columns;  // per registered column, in the CSV's order ("skip" columns included)
  std::int64_t minColumns = 2;   // values of at least this many columns of one row ...
  std::int64_t window = 512;     // ... within this many bytes of a file's text make the row found
  std::int64_t rows = 0;
  // The index: value hash (column bits cleared) -> payload (column << rowBits) | row.
  SetIndex index;
  unsigned rowBits = 0;
  EdmLengths lengths{};  // zero for kinds no column has
  // The columns that have at least one value in the index (bit c: column c), found when the set is
  // built or read, not stored: a column whose values were all dropped (each shared by more than
  // kEdmMaxRowsPerValue rows, such as a table's names) finds nothing, and the matcher does not look
  // for its kind (docs/decisions/0064). All bits: not known.
  std::uint64_t presentColumns = ~std::uint64_t{0};

  bool columnPresent(std::size_t column) const { return column < 64 && (presentColumns >> column & 1U) != 0; }

  bool holdsLength(EdmKind kind, std::size_t bytes) const {
    return (lengths[static_cast<std::size_t>(kind)] & edmLengthBit(bytes)) != 0;
  }
  // Whether the set says every value of kind holds an ASCII digit (kEdmDigitBit).
  bool valuesHoldDigits(EdmKind kind) const {
    const std::uint64_t mask = lengths[static_cast<std::size_t>(kind)];
    return (mask & kEdmDigitBit) != 0 && mask != kEdmAnyLength;
  }

  std::uint32_t rowOf(std::uint64_t payload) const {
    return static_cast<std::uint32_t>(payload & ((std::uint64_t{1} << rowBits) - 1));
  }
  std::size_t columnOf(std::uint64_t payload) const { return static_cast<std::size_t>(payload >> rowBits); }
  std::size_t indexBytes() const { return index.bytes().size(); }
};

// Hashes one row's cells (cells[i] of columns[i]; missing cells are empty) and appends its entries;
// with lengths (one mask per column, sized by the caller, zero before the first row), adds the values'
// length bits to it, and keeps kEdmDigitBit set while every value of the column holds a digit.
// Answers how many non-empty cells of registered columns could not be read as their type.
std::size_t hashEdmRow(const FingerprintKey& key, const std::vector<EdmType>& columns,
                       const std::vector<std::string_view>& cells, std::uint32_t row, std::vector<EdmEntry>& out,
                       std::vector<std::uint64_t>* lengths = nullptr);

// Payload bits of a table: the row number's, then the column's above them.
unsigned edmRowBits(std::int64_t rows);
unsigned edmColumnBits(std::size_t columns);

// Sorts and deduplicates entries into a set; an entry naming a row >= rows or a column outside
// columns is an error (a corrupt upload). columnLengths: hashEdmRow's masks, one per column (empty:
// any length, no candidate is skipped); a kind's mask is its columns' length bits ORed, with
// kEdmDigitBit only when every column of the kind has it.
common::Result<EdmSet> buildEdmSet(std::string name, std::int64_t version, std::string keyId,
                                   std::vector<EdmType> columns, std::int64_t minColumns, std::int64_t rows,
                                   std::vector<EdmEntry> entries, const std::vector<std::uint64_t>& columnLengths = {});

// 12 bytes per entry: the key (u64) then the row (u32), little-endian (uploads and artifacts).
constexpr std::size_t kEdmEntryBytes = 12;
std::string packEdmEntries(const std::vector<EdmEntry>& entries);
common::Result<std::vector<EdmEntry>> unpackEdmEntries(std::string_view packed, std::size_t maxEntries);

}  // namespace mamori::fingerprint
