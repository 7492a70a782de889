#include "fingerprint/EdmArtifact.h"

#include <algorithm>

#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

namespace {

using artifact::corrupt;
using artifact::putLittleEndian;

constexpr std::size_t kTableAt = 320;
constexpr std::size_t kTypesAt = 192;
constexpr std::size_t kLengthsAt = 256;

std::string at(std::size_t offset) { return "offset " + std::to_string(offset); }

}  // namespace

std::string edmArtifact(const EdmSet& set) {
  const std::string_view table = set.index.bytes();
  const auto header = artifact::headerOf(artifact::Kind::kEdm, set, kTableAt + table.size());
  std::string out;
  out.reserve(header.totalBytes);
  artifact::writeSetHeader(out, header);
  putLittleEndian(out, set.columns.size(), 4);
  putLittleEndian(out, static_cast<std::uint64_t>(set.minColumns), 4);
  putLittleEndian(out, static_cast<std::uint64_t>(set.window), 8);
  putLittleEndian(out, static_cast<std::uint64_t>(set.rows), 8);
  putLittleEndian(out, set.rowBits, 1);
  out.append(7, '\0');
  for (const EdmType type : set.columns) putLittleEndian(out, static_cast<std::uint8_t>(type), 1);
  out.append(kEdmMaxColumns - set.columns.size(), '\0');
  for (const std::uint64_t mask : set.lengths) putLittleEndian(out, mask, 8);
  out.append(kTableAt - kLengthsAt - 8 * set.lengths.size(), '\0');
  out.append(table);
  MAMORI_ASSERT(out.size() == header.totalBytes);
  return out;
}

common::Result<EdmSet> parseEdmArtifact(std::string bytes, const ArtifactLimits& limits) {
  const std::size_t length = bytes.size();
  return parseEdmArtifact(std::make_shared<const std::string>(std::move(bytes)), length, limits);
}

common::Result<EdmSet> parseEdmArtifact(const std::shared_ptr<const std::string>& storage, std::size_t length,
                                        const ArtifactLimits& limits) {
  MAMORI_ASSERT(length <= storage->size());
  const std::string_view bytes(storage->data(), length);
  MAMORI_ARTIFACT_TRY(header,
                      artifact::readSetHeader(bytes, artifact::Kind::kEdm, limits.maxBytes, "exact-data-match set"));
  if (bytes.size() < kTableAt) return corrupt("shorter than its fixed fields", at(bytes.size()));
  EdmSet set;
  artifact::takeHeader(set, header);
  const std::uint32_t columns = common::le32(bytes, 160);
  if (columns < 1 || columns > kEdmMaxColumns)
    return corrupt("expected 1 to " + std::to_string(kEdmMaxColumns) + " columns, found " + std::to_string(columns),
                   at(160));
  for (std::uint32_t i = 0; i < kEdmMaxColumns; ++i) {
    const std::uint8_t code = common::byteAt(bytes, kTypesAt + i);
    if (i >= columns) {
      if (code != 0) return corrupt("a column type beyond the columns", at(kTypesAt + i));
      continue;
    }
    if (code > static_cast<std::uint8_t>(EdmType::kSkip))
      return corrupt("column " + std::to_string(i) + ": unknown type " + std::to_string(code), at(kTypesAt + i));
    set.columns.push_back(static_cast<EdmType>(code));
  }
  const std::uint32_t minColumns = common::le32(bytes, 164);
  if (minColumns < 1 || minColumns > columns)
    return corrupt("min_columns " + std::to_string(minColumns) + " outside 1 to the columns", at(164));
  set.minColumns = minColumns;
  const std::uint64_t window = common::le64(bytes, 168);
  if (window < 16 || window > (1U << 20U))
    return corrupt("window " + std::to_string(window) + " outside 16 to 1048576", at(168));
  set.window = static_cast<std::int64_t>(window);
  const std::uint64_t rows = common::le64(bytes, 176);
  if (rows > static_cast<std::uint64_t>(kEdmMaxRows))
    return corrupt("rows " + std::to_string(rows) + " above " + std::to_string(kEdmMaxRows), at(176));
  set.rows = static_cast<std::int64_t>(rows);
  set.rowBits = common::byteAt(bytes, 184);
  if (set.rowBits != edmRowBits(set.rows) || header.payloadBits != set.rowBits + edmColumnBits(columns))
    return corrupt("row bits " + std::to_string(set.rowBits) + " and payload bits " +
                       std::to_string(header.payloadBits) + " do not fit " + std::to_string(rows) + " rows of " +
                       std::to_string(columns) + " columns",
                   at(184));
  if (bytes.substr(185, 7).find_first_not_of('\0') != std::string_view::npos)
    return corrupt("reserved bytes are not zero", at(185));
  for (std::size_t kind = 0; kind < kEdmKinds; ++kind) {
    const std::size_t offset = kLengthsAt + 8 * kind;
    set.lengths[kind] = common::le64(bytes, offset);
    const bool held = std::any_of(set.columns.begin(), set.columns.end(), [&](EdmType type) {
      return type != EdmType::kSkip && static_cast<std::size_t>(edmKind(type)) == kind;
    });
    if (!held && set.lengths[kind] != 0)
      return corrupt("value lengths for a kind of value no column holds", at(offset));
  }
  const std::size_t reservedAt = kLengthsAt + 8 * kEdmKinds;
  if (bytes.substr(reservedAt, kTableAt - reservedAt).find_first_not_of('\0') != std::string_view::npos)
    return corrupt("reserved bytes are not zero", at(reservedAt));
  if (header.entries > limits.maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxEntries) + " entries", at(144));
  if (bytes.size() - kTableAt != SetIndex::tableBytes(header.entries, header.bucketBits))
    return corrupt(
        std::to_string(header.entries) + " entries do not fill the " + std::to_string(bytes.size()) + " bytes",
        at(144));
  MAMORI_ARTIFACT_TRY(
      index, SetIndex::view(storage, kTableAt, header.entries, header.bucketBits, header.payloadBits, at(kTableAt)));
  set.presentColumns = 0;
  for (std::uint64_t i = 0; i < index.size(); ++i) {
    const std::uint64_t payload = index.payloadAt(i);
    const std::uint64_t row = payload & ((std::uint64_t{1} << set.rowBits) - 1);
    const std::uint64_t column = payload >> set.rowBits;
    if (row >= rows)
      return corrupt("entry " + std::to_string(i) + " names row " + std::to_string(row) + " of " + std::to_string(rows),
                     at(kTableAt));
    if (column >= columns || set.columns[column] == EdmType::kSkip)
      return corrupt(
          "entry " + std::to_string(i) + " names column " + std::to_string(column) + ", not a registered column",
          at(kTableAt));
    set.presentColumns |= std::uint64_t{1} << column;
  }
  set.index = std::move(index);
  return set;
}

}  // namespace mamori::fingerprint
