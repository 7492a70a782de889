#include "common/ReportSigning.h"

#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/ReportHtml.h"

namespace mamori::common {

common::JsonLimits reportJsonLimits() {
  common::JsonLimits limits;
  limits.maxBytes = 256U << 20U;
  limits.maxDepth = 16;
  limits.maxValues = 20'000'000;
  limits.maxItems = 2'000'000;
  return limits;
}

namespace {

// The whole signed document. Verification rebuilds it from the report, the trusted key and the
// signature value and requires the same canonical bytes, so nothing outside "report" can be edited
// either (the key's name, the algorithm, an added member).
common::JsonValue signedDocument(const common::JsonValue& report, const common::PublicKey& key,
                                 const std::string& value) {
  auto sig = json::object();
  json::set(sig, "algorithm", json::string("Ed25519"));
  json::set(sig, "key_id", json::string(key.keyId()));
  json::set(sig, "public_key", json::string(key.pem()));
  json::set(sig, "signed", json::string("the canonical JSON of \"report\" (docs/inspect.md)"));
  json::set(sig, "value", json::string(value));
  auto doc = json::object();
  json::set(doc, "report", report);
  json::set(doc, "signature", std::move(sig));
  return doc;
}

}  // namespace

common::Result<common::JsonValue> signReport(const common::JsonValue& report, const common::SigningKey& key) {
  auto signature = key.sign(json::write(report, json::Style::kCanonical));
  if (!signature) return signature.error();
  return signedDocument(report, key.publicKey(), signature.value());
}

common::Result<Verified> verifyReportText(std::string_view text, const common::PublicKey& trusted) {
  std::string_view jsonText = text;
  const bool html = isHtmlReport(text);
  if (html) {
    auto embedded = embeddedJson(text);
    if (!embedded) return embedded.error();
    jsonText = embedded.value();
  }
  auto parsed = common::parseJsonStrict(jsonText, reportJsonLimits());
  if (!parsed) return common::makeError("not a report: " + parsed.error().describe());
  const auto& doc = parsed.value();
  const auto* report = doc.kind == common::JsonKind::kObject ? doc.find("report") : nullptr;
  const auto* sig = doc.kind == common::JsonKind::kObject ? doc.find("signature") : nullptr;
  if (report == nullptr || report->kind != common::JsonKind::kObject)
    return common::makeError("not a signed report: no \"report\" object", "/report");
  if (sig == nullptr || sig->kind != common::JsonKind::kObject)
    return common::makeError("the report is not signed", "/signature");
  const auto* value = sig->find("value");
  const auto* keyId = sig->find("key_id");
  if (value == nullptr || value->kind != common::JsonKind::kString)
    return common::makeError("the signature has no value", "/signature/value");
  const std::string claimed = keyId != nullptr && keyId->kind == common::JsonKind::kString ? keyId->text : "";
  if (claimed != trusted.keyId())
    return common::makeError("signed by key " + claimed + ", not by the trusted key " + trusted.keyId());
  if (auto ok = trusted.verify(json::write(*report, json::Style::kCanonical), value->text); !ok)
    return common::makeError("the signature does not match the content: the report was changed after signing");
  const auto expected = signedDocument(*report, trusted, value->text);
  if (json::write(expected, json::Style::kCanonical) != json::write(doc, json::Style::kCanonical))
    return common::makeError("the signature block was changed after signing");
  if (html && !isRenderingOf(doc, text))
    return common::makeError("the signed data is intact but the visible page was changed after signing");
  return Verified{doc, claimed};
}

}  // namespace mamori::common
