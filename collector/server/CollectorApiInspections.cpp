// CollectorApi: home-PC inspection reports uploaded by staff (mamori-inspect, docs/inspect.md).
// POST stores a signed report after checking its signature; GET lists them or returns one as uploaded.

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/Log.h"
#include "common/ReportHtml.h"
#include "common/ReportSigning.h"

namespace mamori::collector::server {

namespace {

constexpr std::string_view kInspectionsPrefix = "/api/v1/inspections/";

std::string textAt(const common::JsonValue& object, std::string_view key) {
  const auto* value = object.find(key);
  return value != nullptr && value->kind == common::JsonKind::kString ? value->text : "";
}

std::int64_t integerAt(const common::JsonValue& object, std::string_view key) {
  const auto* value = object.find(key);
  if (value == nullptr || !value->isInteger() || value->text.size() > 18) return 0;
  return std::stoll(value->text);
}

const common::JsonValue& objectAt(const common::JsonValue& object, std::string_view key) {
  static const common::JsonValue kEmpty;
  const auto* value = object.find(key);
  return value != nullptr && value->kind == common::JsonKind::kObject ? *value : kEmpty;
}

}  // namespace

std::optional<std::string> inspectionPathId(const std::string& path) {
  if (path.size() != kInspectionsPrefix.size() + 64 || path.rfind(kInspectionsPrefix, 0) != 0) return std::nullopt;
  std::string id = path.substr(kInspectionsPrefix.size());
  for (const char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  return id;
}

ApiResponse CollectorApi::postInspection(const ApiRequest& request) {
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  const std::string& text = std::get<std::string>(body);
  if (common::isHtmlReport(text)) return jsonError(400, "upload the .json report, not the HTML page", "body");
  auto parsed = common::parseJsonStrict(text, common::reportJsonLimits());
  if (!parsed) return jsonError(400, "not a report: " + parsed.error().message, parsed.error().where);
  // The key named in the report: the signature proves the report is unchanged since that key signed it.
  // Which keys belong to the staff is checked with the key id (mamorictl inspections shows it).
  const auto& signature = objectAt(parsed.value(), "signature");
  auto key = common::PublicKey::fromPem(textAt(signature, "public_key"));
  if (!key)
    return jsonError(400, "the report carries no usable public key: " + key.error().message, "/signature/public_key");
  auto verified = common::verifyReportText(text, key.value());
  if (!verified) return jsonError(400, "the report does not verify: " + verified.error().message, "/signature");
  const auto& report = objectAt(parsed.value(), "report");
  const auto& run = objectAt(report, "run");
  const auto& summary = objectAt(report, "summary");
  store::InspectionRecord record;
  const std::string canonical = common::json::write(parsed.value(), common::json::Style::kCanonical);
  record.id = common::sha256Hex(canonical);
  record.receivedMs = clock_.nowMs();
  record.host = textAt(run, "host");
  record.started = textAt(run, "started");
  record.keyId = verified.value().keyId;
  record.signature = "valid (Ed25519, key " + record.keyId + " named in the report)";
  record.findings = integerAt(summary, "findings");
  record.critical = integerAt(summary, "critical");
  record.uploadedBy = "admin token";
  record.document = canonical;
  auto added = store_.addInspection(record);
  if (!added) return storageFailure(added.error());
  common::log::info("inspection report " + record.id + " of " + record.host + " stored (" +
                    std::to_string(record.findings) + " findings)");
  ApiResponse response;
  response.audit.target = "inspection:" + record.id;
  response.audit.after = "host " + record.host + ", " + std::to_string(record.findings) + " findings";
  response.status = added.value() ? 201 : 200;
  response.body = "{\"id\":" + jsonString(record.id) + ",\"host\":" + jsonString(record.host) +
                  ",\"key_id\":" + jsonString(record.keyId) + ",\"findings\":" + std::to_string(record.findings) +
                  ",\"stored\":" + (added.value() ? "true" : "false") + "}";
  return response;
}

ApiResponse CollectorApi::getInspections(const ApiRequest& /*request*/) {
  auto records = store_.listInspections(1000);
  if (!records) return storageFailure(records.error());
  ApiResponse response;
  std::string& out = response.body;
  out = "{\"inspections\":[";
  bool first = true;
  for (const auto& r : records.value()) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":" + jsonString(r.id) + ",\"received\":" + jsonString(common::formatUtcMs(r.receivedMs)) +
           ",\"host\":" + jsonString(r.host) + ",\"started\":" + jsonString(r.started) +
           ",\"key_id\":" + jsonString(r.keyId) + ",\"signature\":" + jsonString(r.signature) +
           ",\"findings\":" + std::to_string(r.findings) + ",\"critical\":" + std::to_string(r.critical) + "}";
  }
  out += "]}";
  return response;
}

ApiResponse CollectorApi::getInspection(const ApiRequest& request, const std::string& id) {
  auto record = store_.inspection(id);
  ApiResponse response = !record           ? storageFailure(record.error())
                         : !record.value() ? jsonError(404, "no inspection report with this id", request.path)
                                           : ApiResponse{};
  response.audit.target = "inspection:" + id;
  if (!record || !record.value()) return response;
  response.body = record.value()->document;  // the signed document: verifiable again with mamori-inspect verify
  return response;
}

}  // namespace mamori::collector::server
