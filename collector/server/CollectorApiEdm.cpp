// CollectorApi: exact-data-match sets (docs/api.md "Exact-data-match sets", docs/decisions/0034).
// mamorictl hashes a customer table's rows on the administrator's machine and uploads only keyed
// hashes and row numbers, in parts (a million rows do not fit one request body); when the last part
// of an upload has arrived, the collector builds the set's artifact from all of them, signs it with
// the policy key like a fingerprint set, stores it as the set's next version and drops the parts.

#include <charconv>
#include <string>

#include "collector/server/CollectorApi.h"
#include "collector/server/SetRequests.h"
#include "common/Base64Url.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/JsonParser.h"
#include "common/Log.h"
#include "fingerprint/EdmArtifact.h"

namespace mamori::collector::server {

namespace {

using sets::integerAt;
using sets::nameAfter;
using sets::stringAt;

constexpr std::string_view kEdmPrefix = "/api/v1/edm/";
constexpr std::string_view kArtifactSuffix = "/artifact";
constexpr std::string_view kAgentEdmPrefix = "/api/v1/edm-artifacts/";
constexpr std::int64_t kMaxParts = 100'000;

std::string partId(const std::string& upload, std::int64_t part) {
  std::string number = std::to_string(part);
  return upload + "." + std::string(number.size() < 6 ? 6 - number.size() : 0, '0') + number;
}

// The header every part repeats: the columns' types, min_columns and the table's row count.
struct EdmHeader {
  std::vector<fingerprint::EdmType> columns;
  std::int64_t minColumns = 2;
  std::int64_t rows = 0;
  std::vector<std::uint64_t> lengths;  // per column, the byte lengths of its values (empty: not sent)
};

std::variant<EdmHeader, ApiResponse> readHeader(const common::JsonValue& root) {
  EdmHeader header;
  const auto* columns = root.find("columns");
  if (columns == nullptr || columns->kind != common::JsonKind::kArray || columns->items.empty() ||
      columns->items.size() > fingerprint::kEdmMaxColumns)
    return jsonError(400, "expected 1 to " + std::to_string(fingerprint::kEdmMaxColumns) + " column types", "/columns");
  for (std::size_t i = 0; i < columns->items.size(); ++i) {
    const auto& item = columns->items[i];
    const auto type = item.kind == common::JsonKind::kString ? fingerprint::edmTypeFromName(item.text) : std::nullopt;
    if (!type)
      return jsonError(400,
                       "expected a column type (name, kana, phone, email, mynumber, card, number, address, "
                       "text or skip)",
                       common::pointerAppend("/columns", i));
    header.columns.push_back(*type);
  }
  const auto minColumns = integerAt(root, "min_columns");
  if (!minColumns || *minColumns < 1 || *minColumns > static_cast<std::int64_t>(header.columns.size()))
    return jsonError(400, "expected 1 to the number of columns", "/min_columns");
  header.minColumns = *minColumns;
  const auto rows = integerAt(root, "rows");
  if (!rows || *rows > fingerprint::kEdmMaxRows)
    return jsonError(400, "expected 0 to " + std::to_string(fingerprint::kEdmMaxRows) + " rows", "/rows");
  header.rows = *rows;
  // "lengths": per column, 16 hex digits: bit n set when a value of the column is n bytes long
  // (docs/decisions/0049). Optional: without it no candidate is skipped by its length.
  if (const auto* lengths = root.find("lengths")) {
    if (lengths->kind != common::JsonKind::kArray || lengths->items.size() != header.columns.size())
      return jsonError(400, "expected one length mask per column", "/lengths");
    for (std::size_t i = 0; i < lengths->items.size(); ++i) {
      const auto& item = lengths->items[i];
      std::uint64_t mask = 0;
      const char* end = item.text.data() + item.text.size();
      const auto parsed = std::from_chars(item.text.data(), end, mask, 16);
      if (item.kind != common::JsonKind::kString || item.text.empty() || item.text.size() > 16 ||
          parsed.ec != std::errc{} || parsed.ptr != end)
        return jsonError(400, "expected 1 to 16 hex digits", common::pointerAppend("/lengths", i));
      header.lengths.push_back(mask);
    }
  }
  return header;
}

}  // namespace

std::optional<std::string> edmSetPathName(const std::string& path) { return nameAfter(path, kEdmPrefix, ""); }
std::optional<std::string> edmArtifactPathName(const std::string& path) {
  return nameAfter(path, kEdmPrefix, kArtifactSuffix);
}
std::optional<std::string> agentEdmArtifactPathName(const std::string& path) {
  return nameAfter(path, kAgentEdmPrefix, "");
}

ApiResponse CollectorApi::postEdm(const ApiRequest& request) {
  auto received = readSetUpload(request, "rows");
  if (auto* answer = std::get_if<ApiResponse>(&received)) return *answer;
  const auto& root = std::get<SetUpload>(received).root;
  const std::string* set = &std::get<SetUpload>(received).set;
  const std::string* upload = stringAt(root, "upload");
  if (upload == nullptr || !fingerprint::isSafeSetName(*upload) || upload->size() > 40)
    return jsonError(400, "expected an upload id of letters and digits (at most 40)", "/upload");
  const auto parts = integerAt(root, "parts");
  if (!parts || *parts < 1 || *parts > kMaxParts)
    return jsonError(400, "expected 1 to " + std::to_string(kMaxParts) + " parts", "/parts");
  const auto part = integerAt(root, "part");
  if (!part || *part < 1 || *part > *parts) return jsonError(400, "expected 1 to the number of parts", "/part");
  const std::string* file = stringAt(root, "file");
  if (file == nullptr || file->size() > 1024)
    return jsonError(400, "expected a file name of at most 1024 bytes", "/file");
  auto header = readHeader(root);
  if (auto* answer = std::get_if<ApiResponse>(&header)) return *answer;
  const std::string* entries = stringAt(root, "entries");
  const auto raw = entries != nullptr ? common::base64UrlDecode(*entries) : std::nullopt;
  if (!raw || raw->size() % fingerprint::kEdmEntryBytes != 0)
    return jsonError(400, "expected base64url of 12-byte entries", "/entries");

  if (auto added = store_.addSetDocuments(
          store::SetKind::kEdm,
          {{*set, partId(*upload, *part), *file, static_cast<std::int64_t>(raw->size() / fingerprint::kEdmEntryBytes),
            *entries, clock_.nowMs()}});
      !added)
    return storageFailure(added.error());
  if (*part < *parts) {
    ApiResponse response;
    response.status = 202;
    response.audit.target = "edm:" + *set;
    response.audit.after = "part " + std::to_string(*part) + " of " + std::to_string(*parts) + " of upload " + *upload;
    response.body = "{\"set\":" + jsonString(*set) + ",\"upload\":" + jsonString(*upload) +
                    ",\"part\":" + std::to_string(*part) + ",\"parts\":" + std::to_string(*parts) + "}";
    return response;
  }
  return finishEdmUpload(*set, *upload, root);
}

ApiResponse CollectorApi::finishEdmUpload(const std::string& set, const std::string& upload,
                                          const common::JsonValue& root) {
  auto header = std::get<EdmHeader>(readHeader(root));
  const auto parts = integerAt(root, "parts").value_or(0);
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto stored = store_.setDocuments(store::SetKind::kEdm, set, true);
    if (!stored) return storageFailure(stored.error());
    std::vector<fingerprint::EdmEntry> entries;
    std::int64_t found = 0;
    for (const auto& p : stored.value()) {
      if (p.id.rfind(upload + ".", 0) != 0) continue;
      ++found;
      auto raw = common::base64UrlDecode(p.hashes);
      auto unpacked = fingerprint::unpackEdmEntries(raw ? *raw : std::string(), SIZE_MAX);
      if (!unpacked) return jsonError(500, "a stored part is corrupt: " + unpacked.error().message, p.id);
      entries.insert(entries.end(), unpacked.value().begin(), unpacked.value().end());
    }
    if (found != parts)
      return jsonError(409,
                       "only " + std::to_string(found) + " of " + std::to_string(parts) +
                           " parts of this upload are stored (another upload of the set ended meanwhile?); "
                           "upload again",
                       "/parts");
    auto current = store_.findSet(store::SetKind::kEdm, set);
    if (!current) return storageFailure(current.error());
    const std::int64_t version = (current.value() ? current.value()->version : 0) + 1;
    auto built = fingerprint::buildEdmSet(set, version, config_.fingerprintKey->keyId(), header.columns,
                                          header.minColumns, header.rows, std::move(entries), header.lengths);
    if (!built) return jsonError(400, built.error().message, built.error().where);
    built.value().createdAt = common::formatUtcMs(clock_.nowMs());
    const std::string artifact = fingerprint::edmArtifact(built.value());
    auto signedSet = signSet(artifact);
    if (auto* answer = std::get_if<ApiResponse>(&signedSet)) return *answer;
    store::FingerprintSetRecord record{set,
                                       version,
                                       std::move(std::get<std::string>(signedSet)),
                                       common::sha256Hex(artifact),
                                       header.rows,
                                       static_cast<std::int64_t>(built.value().index.size()),
                                       clock_.nowMs()};
    auto put = store_.putSet(store::SetKind::kEdm, record);
    if (!put) return storageFailure(put.error());
    if (!put.value()) continue;
    if (auto cleared = store_.clearSetDocuments(store::SetKind::kEdm, set); !cleared)
      common::log::warning("exact-data-match set " + set +
                           ": its uploaded parts stay stored: " + cleared.error().describe());
    common::log::info("exact-data-match set " + set + " version " + std::to_string(version) + ": " +
                      std::to_string(header.rows) + " rows, " + std::to_string(record.entries) + " values");
    ApiResponse response;
    response.status = 201;
    response.audit.target = "edm:" + set;
    response.audit.after = std::to_string(header.rows) + " rows, version " + std::to_string(version);
    response.body = "{\"set\":" + jsonString(set) + ",\"version\":" + std::to_string(version) +
                    ",\"rows\":" + std::to_string(header.rows) + ",\"values\":" + std::to_string(record.entries) +
                    ",\"artifact_bytes\":" + std::to_string(artifact.size()) +
                    ",\"sha256\":" + jsonString(record.sha256) + "}";
    return response;
  }
  return jsonError(409, "the set changed while it was being built; try again", "/set");
}

ApiResponse CollectorApi::getEdmSets(const ApiRequest& /*request*/) {
  return listSignedSets(store::SetKind::kEdm, "rows", "values");
}

ApiResponse CollectorApi::getEdmSet(const ApiRequest& request, const std::string& name) {
  auto set = store_.findSet(store::SetKind::kEdm, name);
  if (!set) return storageFailure(set.error());
  if (!set.value() || set.value()->envelope.empty())
    return jsonError(404, "no exact-data-match set with this name", request.path);
  ApiResponse response;
  response.body = "{\"set\":" + jsonString(name) + ",\"version\":" + std::to_string(set.value()->version) +
                  ",\"rows\":" + std::to_string(set.value()->documents) +
                  ",\"values\":" + std::to_string(set.value()->entries) +
                  ",\"sha256\":" + jsonString(set.value()->sha256) +
                  ",\"updated\":" + jsonString(common::formatUtcMs(set.value()->updatedMs)) + "}";
  return response;
}

ApiResponse CollectorApi::getEdmArtifact(const ApiRequest& request, const std::string& name) {
  return signedSetArtifact(store::SetKind::kEdm, request, name);
}

ApiResponse CollectorApi::getAgentEdmArtifact(const ApiRequest& request, const std::string& name) {
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) return *answer;
  return getEdmArtifact(request, name);
}

ApiResponse CollectorApi::deleteEdmSet(const ApiRequest& request, const std::string& name) {
  return removeSignedSet(store::SetKind::kEdm, request, name);
}

}  // namespace mamori::collector::server
