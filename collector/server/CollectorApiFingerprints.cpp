// CollectorApi: fingerprint sets (docs/api.md "Fingerprint sets", docs/decisions/0032). mamorictl
// uploads each registered document's keyed hashes (never its text); the collector keeps them per set,
// drops boilerplate, builds the set's artifact, signs it with the policy key and serves it to agents
// and administrators together with the fleet's fingerprint key.

#include <algorithm>
#include <charconv>
#include <string>

#include "collector/server/CollectorApi.h"
#include "collector/server/SetRequests.h"
#include "common/Base64Url.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/JsonParser.h"
#include "common/LittleEndian.h"
#include "common/Log.h"
#include "fingerprint/ArtifactFields.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/Sampling.h"
#include "fingerprint/SignedSet.h"

namespace mamori::collector::server {

namespace {

using sets::integerAt;
using sets::nameAfter;
using sets::stringAt;

constexpr std::string_view kSetsPrefix = "/api/v1/fingerprints/";
constexpr std::string_view kArtifactSuffix = "/artifact";
constexpr std::string_view kAgentPrefix = "/api/v1/fingerprint-artifacts/";
constexpr std::size_t kMaxDocumentsPerUpload = 10'000;
constexpr std::size_t kMaxHashesPerDocument = 4U << 20U;
constexpr std::int64_t kDefaultBoilerplateDocs = 3;

// The upload's documents, checked; or the 400 answer.
std::variant<std::vector<store::FingerprintDocumentRecord>, ApiResponse> readDocuments(const common::JsonValue& root,
                                                                                       const std::string& set,
                                                                                       std::int64_t nowMs) {
  const auto* documents = root.find("documents");
  if (documents == nullptr || documents->kind != common::JsonKind::kArray || documents->items.empty())
    return jsonError(400, "expected a non-empty array of documents", "/documents");
  if (documents->items.size() > kMaxDocumentsPerUpload)
    return jsonError(413, "more than " + std::to_string(kMaxDocumentsPerUpload) + " documents in one upload",
                     "/documents");
  std::vector<store::FingerprintDocumentRecord> out;
  for (std::size_t i = 0; i < documents->items.size(); ++i) {
    const std::string at = common::pointerAppend("/documents", i);
    const auto& item = documents->items[i];
    const std::string* id = stringAt(item, "id");
    const std::string* name = stringAt(item, "name");
    const std::string* hashes = stringAt(item, "hashes");
    const auto chars = integerAt(item, "chars");
    if (id == nullptr || !fingerprint::isSafeSetName(*id))
      return jsonError(400, "expected an id of letters, digits, '_', '-' or '.'", at + "/id");
    if (name == nullptr || name->size() > 1024)
      return jsonError(400, "expected a name of at most 1024 bytes", at + "/name");
    if (!chars) return jsonError(400, "expected a non-negative integer", at + "/chars");
    if (hashes == nullptr) return jsonError(400, "expected base64url text", at + "/hashes");
    auto raw = common::base64UrlDecode(*hashes);
    if (!raw || raw->size() % 8 != 0 || raw->size() / 8 > kMaxHashesPerDocument)
      return jsonError(400,
                       "expected base64url of 8-byte hashes (at most " + std::to_string(kMaxHashesPerDocument) + ")",
                       at + "/hashes");
    out.push_back({set, *id, *name, *chars, *hashes, nowMs});
  }
  return out;
}

std::vector<std::uint64_t> unpackHashes(const std::string& text) {
  std::vector<std::uint64_t> out;
  auto raw = common::base64UrlDecode(text);
  if (!raw) return out;
  for (std::size_t i = 0; i + 8 <= raw->size(); i += 8) {
    std::uint64_t value = 0;
    for (int b = 7; b >= 0; --b) value = (value << 8) | static_cast<unsigned char>((*raw)[i + b]);
    out.push_back(value);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::optional<std::string> fingerprintSetPathName(const std::string& path) { return nameAfter(path, kSetsPrefix, ""); }
std::optional<std::string> fingerprintArtifactPathName(const std::string& path) {
  return nameAfter(path, kSetsPrefix, kArtifactSuffix);
}
std::optional<std::string> agentArtifactPathName(const std::string& path) { return nameAfter(path, kAgentPrefix, ""); }

bool CollectorApi::isCurrentSetFormat(const std::string& stored) {
  // Stored as base64url of the signed set file; its format version is at offset 8, its kind at 12. A
  // set stored before format 2 (a JSON envelope, docs/decisions/0035), in format 2 (values hashed with
  // HMAC-SHA-256, docs/decisions/0049) or a fingerprint set of format 3 (winnowed k-grams,
  // docs/decisions/0063) is not served: agents no longer read it.
  const auto head = common::base64UrlDecode(std::string_view(stored).substr(0, 24));
  if (!head || head->size() < 16 || head->rfind("MAMORSET", 0) != 0) return false;
  const std::uint32_t kind = common::le32(*head, 12);
  if (kind != static_cast<std::uint32_t>(fingerprint::artifact::Kind::kFingerprints) &&
      kind != static_cast<std::uint32_t>(fingerprint::artifact::Kind::kEdm))
    return false;
  return common::le32(*head, 8) == fingerprint::artifact::formatVersion(static_cast<fingerprint::artifact::Kind>(kind));
}

std::optional<std::string> CollectorApi::fingerprintBundle(const std::string& stored) const {
  if (!isCurrentSetFormat(stored)) return std::nullopt;
  auto signedSet = common::base64UrlDecode(stored);
  if (!signedSet) return std::nullopt;
  return fingerprint::appendFleetKey(std::move(*signedSet), config_.fingerprintKey->text());
}

std::variant<std::string, ApiResponse> CollectorApi::signSet(const std::string& artifact) const {
  auto signedSet = fingerprint::signSetArtifact(*config_.policyKey, artifact);
  if (!signedSet) return jsonError(500, signedSet.error().message, "policy signing key");
  return common::base64UrlEncode(signedSet.value());
}

ApiResponse CollectorApi::getFingerprintKey(const ApiRequest& /*request*/) {
  if (!config_.fingerprintKey || !config_.policyKey) return jsonError(503, "fingerprints are not configured", "");
  ApiResponse response;
  response.audit.target = "fingerprint-key:" + config_.fingerprintKey->keyId();
  const fingerprint::SamplingParams params;
  response.body = "{\"key\":" + jsonString(config_.fingerprintKey->text()) +
                  ",\"key_id\":" + jsonString(config_.fingerprintKey->keyId()) + ",\"k\":" + std::to_string(params.k) +
                  ",\"every\":" + std::to_string(params.every) +
                  ",\"hash\":" + jsonString(std::string(fingerprint::kSetHashScheme)) +
                  ",\"selection\":" + jsonString(std::string(fingerprint::kDocumentSelection)) + "}";
  return response;
}

std::variant<CollectorApi::SetUpload, ApiResponse> CollectorApi::readSetUpload(const ApiRequest& request,
                                                                               const std::string& hashed) {
  if (!config_.fingerprintKey || !config_.policyKey) return jsonError(503, "fingerprints are not configured", "");
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  common::JsonLimits limits;
  limits.maxBytes = config_.maxBodyBytes;
  auto parsed = common::parseJsonStrict(std::get<std::string>(body), limits);
  if (!parsed) return jsonError(400, parsed.error().message, parsed.error().where);
  const std::string* set = stringAt(parsed.value(), "set");
  if (set == nullptr || !fingerprint::isSafeSetName(*set))
    return jsonError(400, "expected a set name of letters, digits, '_', '-' or '.' (1 to 64)", "/set");
  const std::string* scheme = stringAt(parsed.value(), "hash");
  if (scheme == nullptr || *scheme != fingerprint::kSetHashScheme)
    return jsonError(409,
                     "the " + hashed + " were hashed with " + (scheme == nullptr ? "HMAC-SHA-256" : *scheme) +
                         ", this collector builds sets of " + std::string(fingerprint::kSetHashScheme) +
                         " hashes: use the mamorictl of this collector's version",
                     "/hash");
  const std::string* keyId = stringAt(parsed.value(), "key_id");
  if (keyId == nullptr || *keyId != config_.fingerprintKey->keyId())
    return jsonError(409,
                     "the " + hashed + " were hashed with another fingerprint key than this collector's (" +
                         config_.fingerprintKey->keyId() + ")",
                     "/key_id");
  std::string name = *set;
  return SetUpload{std::move(parsed).value(), std::move(name)};
}

ApiResponse CollectorApi::postFingerprints(const ApiRequest& request) {
  auto received = readSetUpload(request, "documents");
  if (auto* answer = std::get_if<ApiResponse>(&received)) return *answer;
  const auto& root = std::get<SetUpload>(received).root;
  const std::string* set = &std::get<SetUpload>(received).set;
  // Fingerprints of k-grams selected another way (an older mamorictl's winnowing, set format 3) would
  // never match what agents of this version select (docs/decisions/0063).
  const std::string* selection = stringAt(root, "selection");
  if (selection == nullptr || *selection != fingerprint::kDocumentSelection)
    return jsonError(409,
                     "the documents' k-grams were selected by " +
                         (selection == nullptr ? std::string("winnowing (set format 3)") : *selection) +
                         ", this collector builds fingerprint sets of k-grams selected by " +
                         std::string(fingerprint::kDocumentSelection) + " (set format " +
                         std::to_string(fingerprint::artifact::kFingerprintFormatVersion) +
                         "): use the mamorictl of this collector's version",
                     "/selection");
  std::int64_t boilerplateDocs = kDefaultBoilerplateDocs;
  if (root.find("boilerplate_docs") != nullptr) {
    auto value = integerAt(root, "boilerplate_docs");
    if (!value || *value > 1'000'000)
      return jsonError(400, "expected 0 (keep all) or 2 to 1000000", "/boilerplate_docs");
    boilerplateDocs = *value;
  }
  auto documents = readDocuments(root, *set, clock_.nowMs());
  if (auto* answer = std::get_if<ApiResponse>(&documents)) return *answer;
  // The set is rebuilt from every stored document: documents hashed for an older format would never
  // match beside new ones (docs/decisions/0049).
  auto held = store_.fingerprintSet(*set);
  if (!held) return storageFailure(held.error());
  if (held.value() && !held.value()->envelope.empty() && !isCurrentSetFormat(held.value()->envelope)) {
    return jsonError(409,
                     "set " + *set +
                         " holds documents hashed for an older set format; remove it (mamorictl fingerprints "
                         "remove " +
                         *set + ") and register all its documents again",
                     "/set");
  }
  const auto& records = std::get<std::vector<store::FingerprintDocumentRecord>>(documents);
  if (auto added = store_.addFingerprintDocuments(records); !added) return storageFailure(added.error());

  // Rebuild the whole set: boilerplate depends on every document. Another collector may store a
  // version between our read and write; then read again (a few times, then tell the caller).
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = store_.fingerprintSet(*set);
    if (!current) return storageFailure(current.error());
    auto stored = store_.fingerprintDocuments(*set, true);
    if (!stored) return storageFailure(stored.error());
    std::vector<fingerprint::RegisteredDocument> registered;
    registered.reserve(stored.value().size());
    for (const auto& document : stored.value())
      registered.push_back({document.id, document.chars, unpackHashes(document.hashes)});
    const std::int64_t version = (current.value() ? current.value()->version : 0) + 1;
    auto built =
        fingerprint::buildFingerprintSet(*set, version, config_.fingerprintKey->keyId(), registered, boilerplateDocs);
    built.createdAt = common::formatUtcMs(clock_.nowMs());
    const std::string artifact = fingerprint::fingerprintArtifact(built);
    auto signedSet = signSet(artifact);
    if (auto* answer = std::get_if<ApiResponse>(&signedSet)) return *answer;
    store::FingerprintSetRecord record{*set,
                                       version,
                                       std::move(std::get<std::string>(signedSet)),
                                       common::sha256Hex(artifact),
                                       static_cast<std::int64_t>(built.documents.size()),
                                       static_cast<std::int64_t>(built.index.size()),
                                       clock_.nowMs()};
    auto put = store_.putFingerprintSet(record);
    if (!put) return storageFailure(put.error());
    if (!put.value()) continue;
    common::log::info("fingerprint set " + *set + " version " + std::to_string(version) + ": " +
                      std::to_string(record.documents) + " documents, " + std::to_string(record.entries) +
                      " fingerprints, " + std::to_string(built.boilerplateDropped) + " dropped as boilerplate");
    ApiResponse response;
    response.status = 201;
    response.audit.target = "fingerprints:" + *set;
    response.audit.after = std::to_string(records.size()) + " documents added, version " + std::to_string(version);
    response.body =
        "{\"set\":" + jsonString(*set) + ",\"version\":" + std::to_string(version) +
        ",\"documents\":" + std::to_string(record.documents) + ",\"added\":" + std::to_string(records.size()) +
        ",\"fingerprints\":" + std::to_string(record.entries) +
        ",\"boilerplate_dropped\":" + std::to_string(built.boilerplateDropped) +
        ",\"artifact_bytes\":" + std::to_string(artifact.size()) + ",\"sha256\":" + jsonString(record.sha256) + "}";
    return response;
  }
  return jsonError(409, "the set changed while it was being built; try again", "/set");
}

namespace {

const char* auditPrefix(store::SetKind kind) { return kind == store::SetKind::kEdm ? "edm:" : "fingerprints:"; }
const char* notFound(store::SetKind kind) {
  return kind == store::SetKind::kEdm ? "no exact-data-match set with this name" : "no fingerprint set with this name";
}

}  // namespace

// The list of one kind's sets; `entriesKey`/`partsKey` name the counts as the kind calls them.
ApiResponse CollectorApi::listSignedSets(store::SetKind kind, const char* partsKey, const char* entriesKey) {
  auto sets = store_.listSets(kind);
  if (!sets) return storageFailure(sets.error());
  ApiResponse response;
  std::string& out = response.body;
  out = "{\"sets\":[";
  bool first = true;
  for (const auto& s : sets.value()) {
    if (s.sha256.empty()) continue;  // removed
    if (!first) out += ',';
    first = false;
    out += "{\"set\":" + jsonString(s.name) + ",\"version\":" + std::to_string(s.version) + ",\"" + partsKey +
           "\":" + std::to_string(s.documents) + ",\"" + entriesKey + "\":" + std::to_string(s.entries) +
           ",\"artifact_bytes\":" + std::to_string(s.artifactBytes) + ",\"sha256\":" + jsonString(s.sha256) +
           ",\"updated\":" + jsonString(common::formatUtcMs(s.updatedMs)) + "}";
  }
  out += "]}";
  return response;
}

namespace {

// The tag of a stored set file (its version and the artifact's SHA-256), sent as ETag; an agent that
// refused the file sends it back as If-None-Match (docs/decisions/0047).
std::string setTag(const store::FingerprintSetRecord& set) {
  return "\"" + std::to_string(set.version) + "-" + set.sha256 + "\"";
}

}  // namespace

ApiResponse CollectorApi::signedSetArtifact(store::SetKind kind, const ApiRequest& request, const std::string& name) {
  if (!config_.fingerprintKey) return jsonError(503, "fingerprints are not configured", "");
  // ?after=V (agents, every poll: the version they hold): answered 304 from the list of sets, which
  // holds no signed files, when the stored set is not newer or is the file the agent refused
  // (If-None-Match); the file is read only otherwise.
  for (const auto& [key, value] : request.query) {
    if (key != "after") continue;
    std::int64_t held = -1;
    const auto parsed = std::from_chars(value.data(), value.data() + value.size(), held);
    if (parsed.ec != std::errc{} || parsed.ptr != value.data() + value.size() || held < 0)
      return jsonError(400, "expected a version (a non-negative integer)", "after");
    auto sets = store_.listSets(kind);
    if (!sets) return storageFailure(sets.error());
    for (const auto& s : sets.value()) {
      if (s.name != name || s.sha256.empty() || (s.version > held && request.ifNoneMatch != setTag(s))) continue;
      ApiResponse notNewer;
      notNewer.status = 304;
      notNewer.audit.target = auditPrefix(kind) + name;
      return notNewer;
    }
  }
  auto set = store_.findSet(kind, name);
  ApiResponse response = !set ? storageFailure(set.error())
                         : (!set.value() || set.value()->envelope.empty())
                             ? jsonError(404, notFound(kind), request.path)
                             : ApiResponse{};
  response.audit.target = auditPrefix(kind) + name;
  if (!set || !set.value() || set.value()->envelope.empty()) return response;
  auto file = fingerprintBundle(set.value()->envelope);
  if (!file) {
    ApiResponse refused = jsonError(409,
                                    "this set was registered by an older collector in a format agents no longer "
                                    "read; register it again (mamorictl fingerprints add / edm add)",
                                    request.path);
    refused.audit = response.audit;
    return refused;
  }
  response.contentType = "application/octet-stream";
  response.headers.emplace_back("ETag", setTag(*set.value()));
  response.body = std::move(*file);
  return response;
}

ApiResponse CollectorApi::removeSignedSet(store::SetKind kind, const ApiRequest& request, const std::string& name) {
  auto removed = store_.removeSet(kind, name, clock_.nowMs());
  ApiResponse response = !removed           ? storageFailure(removed.error())
                         : !removed.value() ? jsonError(404, notFound(kind), request.path)
                                            : ApiResponse{};
  response.audit.target = auditPrefix(kind) + name;
  if (!removed || !removed.value()) return response;
  response.audit.before = "registered";
  response.body = "{\"set\":" + jsonString(name) + ",\"removed\":true}";
  return response;
}

ApiResponse CollectorApi::getFingerprintSets(const ApiRequest& /*request*/) {
  return listSignedSets(store::SetKind::kFingerprint, "documents", "fingerprints");
}

ApiResponse CollectorApi::getFingerprintSet(const ApiRequest& request, const std::string& name) {
  auto set = store_.fingerprintSet(name);
  if (!set) return storageFailure(set.error());
  if (!set.value() || set.value()->envelope.empty())
    return jsonError(404, "no fingerprint set with this name", request.path);
  auto documents = store_.fingerprintDocuments(name, false);
  if (!documents) return storageFailure(documents.error());
  ApiResponse response;
  std::string& out = response.body;
  out = "{\"set\":" + jsonString(name) + ",\"version\":" + std::to_string(set.value()->version) +
        ",\"fingerprints\":" + std::to_string(set.value()->entries) + ",\"sha256\":" + jsonString(set.value()->sha256) +
        ",\"documents\":[";
  bool first = true;
  for (const auto& d : documents.value()) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":" + jsonString(d.id) + ",\"name\":" + jsonString(d.name) + ",\"chars\":" + std::to_string(d.chars) +
           ",\"added\":" + jsonString(common::formatUtcMs(d.addedMs)) + "}";
  }
  out += "]}";
  return response;
}

ApiResponse CollectorApi::getFingerprintArtifact(const ApiRequest& request, const std::string& name) {
  return signedSetArtifact(store::SetKind::kFingerprint, request, name);
}

ApiResponse CollectorApi::getAgentFingerprintArtifact(const ApiRequest& request, const std::string& name) {
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) return *answer;
  return getFingerprintArtifact(request, name);
}

ApiResponse CollectorApi::deleteFingerprintSet(const ApiRequest& request, const std::string& name) {
  return removeSignedSet(store::SetKind::kFingerprint, request, name);
}

}  // namespace mamori::collector::server
