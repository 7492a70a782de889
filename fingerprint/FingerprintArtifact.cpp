#include "fingerprint/FingerprintArtifact.h"

#include <algorithm>

#include "common/LittleEndian.h"
#include "fingerprint/ArtifactFields.h"

namespace mamori::fingerprint {

namespace {

using artifact::corrupt;
using artifact::putLittleEndian;

constexpr std::size_t kFixedBytes = 192;
constexpr std::size_t kDocumentBytes = 24;

std::string at(std::size_t offset) { return "offset " + std::to_string(offset); }

}  // namespace

bool isSafeSetName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

std::string fingerprintArtifact(const FingerprintSet& set) {
  std::string ids;
  for (const auto& document : set.documents) ids += document.id;
  const std::size_t idsPadded = (ids.size() + 7) / 8 * 8;
  const std::string_view table = set.index.bytes();
  const auto header =
      artifact::headerOf(artifact::Kind::kFingerprints, set,
                         kFixedBytes + set.documents.size() * kDocumentBytes + idsPadded + table.size());
  std::string out;
  out.reserve(header.totalBytes);
  artifact::writeSetHeader(out, header);
  putLittleEndian(out, set.params.k, 4);
  putLittleEndian(out, set.params.every, 4);
  putLittleEndian(out, static_cast<std::uint64_t>(set.boilerplateDocs), 8);
  putLittleEndian(out, static_cast<std::uint64_t>(set.boilerplateDropped), 8);
  putLittleEndian(out, set.documents.size(), 4);
  putLittleEndian(out, ids.size(), 4);
  std::size_t offset = 0;
  for (const auto& document : set.documents) {
    putLittleEndian(out, static_cast<std::uint64_t>(document.chars), 8);
    putLittleEndian(out, static_cast<std::uint64_t>(document.fingerprints), 8);
    putLittleEndian(out, offset, 4);
    putLittleEndian(out, document.id.size(), 4);
    offset += document.id.size();
  }
  out += ids;
  artifact::padTo8(out);
  out.append(table);
  MAMORI_ASSERT(out.size() == header.totalBytes);
  return out;
}

common::Result<FingerprintSet> parseFingerprintArtifact(std::string bytes, const ArtifactLimits& limits) {
  const std::size_t length = bytes.size();
  return parseFingerprintArtifact(std::make_shared<const std::string>(std::move(bytes)), length, limits);
}

common::Result<FingerprintSet> parseFingerprintArtifact(std::shared_ptr<const std::string> storage, std::size_t length,
                                                        const ArtifactLimits& limits) {
  MAMORI_ASSERT(length <= storage->size());
  const std::string_view bytes(storage->data(), length);
  MAMORI_ARTIFACT_TRY(
      header, artifact::readSetHeader(bytes, artifact::Kind::kFingerprints, limits.maxBytes, "fingerprint set"));
  if (bytes.size() < kFixedBytes) return corrupt("shorter than its fixed fields", at(bytes.size()));
  FingerprintSet set;
  artifact::takeHeader(set, header);
  const std::uint32_t k = common::le32(bytes, 160);
  const std::uint32_t every = common::le32(bytes, 164);
  set.params = {k, every};
  if (!validSamplingParams(set.params))
    return corrupt("k " + std::to_string(k) + " and every " + std::to_string(every) +
                       ": expected k from 1 to 32 and a power of two from 1 to 1024, at most 2^k",
                   at(160));
  const std::uint64_t boilerplateDocs = common::le64(bytes, 168);
  const std::uint64_t dropped = common::le64(bytes, 176);
  if (boilerplateDocs > 1'000'000'000 || dropped > static_cast<std::uint64_t>(INT64_MAX))
    return corrupt("boilerplate counts out of range", at(168));
  set.boilerplateDocs = static_cast<std::int64_t>(boilerplateDocs);
  set.boilerplateDropped = static_cast<std::int64_t>(dropped);
  const std::uint32_t documents = common::le32(bytes, 184);
  const std::uint32_t idBytes = common::le32(bytes, 188);
  if (documents > limits.maxDocuments)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxDocuments) + " documents", at(184));
  if (header.entries > limits.maxEntries)
    return common::makeError(common::ErrorKind::kTooLarge,
                             "more than " + std::to_string(limits.maxEntries) + " entries", at(144));
  if (header.payloadBits != documentBits(documents))
    return corrupt("payload bits " + std::to_string(header.payloadBits) + " do not number " +
                       std::to_string(documents) + " documents",
                   at(153));
  const std::uint64_t idsAt = kFixedBytes + std::uint64_t{documents} * kDocumentBytes;
  const std::uint64_t tableAt = idsAt + (std::uint64_t{idBytes} + 7) / 8 * 8;
  if (tableAt > bytes.size() || bytes.size() - tableAt != SetIndex::tableBytes(header.entries, header.bucketBits))
    return corrupt("the documents, their ids and " + std::to_string(header.entries) + " entries do not fill the " +
                       std::to_string(bytes.size()) + " bytes",
                   at(184));
  if (bytes.substr(idsAt + idBytes, tableAt - idsAt - idBytes).find_first_not_of('\0') != std::string_view::npos)
    return corrupt("the ids' padding is not zero", at(idsAt + idBytes));
  set.documents.reserve(documents);
  std::uint64_t expectedOffset = 0;
  for (std::uint32_t i = 0; i < documents; ++i) {
    const std::size_t d = kFixedBytes + std::size_t{i} * kDocumentBytes;
    const std::uint64_t chars = common::le64(bytes, d);
    const std::uint64_t count = common::le64(bytes, d + 8);
    const std::uint32_t offset = common::le32(bytes, d + 16);
    const std::uint32_t idLength = common::le32(bytes, d + 20);
    if (chars > static_cast<std::uint64_t>(INT64_MAX) || count > header.entries)
      return corrupt("document " + std::to_string(i) + ": counts out of range", at(d));
    if (offset != expectedOffset || idLength > idBytes - offset)
      return corrupt("document " + std::to_string(i) + ": its id is not the next " + std::to_string(idLength) +
                         " bytes of the ids",
                     at(d + 16));
    expectedOffset += idLength;
    std::string id(bytes.substr(idsAt + offset, idLength));
    if (!isSafeSetName(id))
      return corrupt("document " + std::to_string(i) + ": id: expected letters, digits, '_', '-' or '.'", at(d + 16));
    set.documents.push_back({std::move(id), static_cast<std::int64_t>(chars), static_cast<std::int64_t>(count)});
  }
  if (expectedOffset != idBytes) return corrupt("the ids hold bytes no document names", at(188));
  MAMORI_ARTIFACT_TRY(index, SetIndex::view(std::move(storage), tableAt, header.entries, header.bucketBits,
                                            header.payloadBits, at(tableAt)));
  std::vector<std::int64_t> counts(set.documents.size(), 0);
  for (std::uint64_t i = 0; i < index.size(); ++i) {
    const std::uint64_t doc = index.payloadAt(i);
    if (doc >= counts.size())
      return corrupt("entry " + std::to_string(i) + " names document " + std::to_string(doc) + " of " +
                         std::to_string(counts.size()),
                     at(tableAt));
    ++counts[doc];
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != set.documents[i].fingerprints)
      return corrupt("document " + std::to_string(i) + " says " + std::to_string(set.documents[i].fingerprints) +
                         " fingerprints, the entries hold " + std::to_string(counts[i]),
                     at(kFixedBytes + i * kDocumentBytes + 8));
  }
  set.index = std::move(index);
  return set;
}

}  // namespace mamori::fingerprint
