#include "policy/SignedPolicy.h"

#include <algorithm>

#include "common/Base64Url.h"
#include "common/JsonParser.h"

namespace mamori::policy {

namespace {

constexpr std::size_t kMaxDocumentBytes = 4U << 20U;

common::Result<std::string> stringField(const common::JsonValue& root, const std::string& key) {
  const common::JsonValue* value = root.find(key);
  if (value == nullptr) return common::makeError("missing required key", "/" + key);
  if (value->kind != common::JsonKind::kString) {
    return common::makeError("expected a string, found " + common::describeJson(*value), "/" + key);
  }
  return value->text;
}

}  // namespace

std::string envelopeToJson(const SignedPolicyEnvelope& envelope) {
  return R"({"envelope":1,"algorithm":"Ed25519","key_id":)" + common::jsonQuote(envelope.keyId) + R"(,"document":")" +
         common::base64UrlEncode(envelope.document) + R"(","signature":)" + common::jsonQuote(envelope.signature) + "}";
}

common::Result<std::string> makeSignedPolicyEnvelope(const common::SigningKey& key, std::string_view document) {
  auto signature = key.sign(document);
  if (!signature) return signature.error();
  return envelopeToJson({key.keyId(), std::string(document), std::move(signature).value()});
}

common::Result<SignedPolicyEnvelope> parseSignedPolicyEnvelope(std::string_view text) {
  return parseSignedPolicyEnvelope(text, kMaxDocumentBytes);
}

common::Result<SignedPolicyEnvelope> parseSignedPolicyEnvelope(std::string_view text, std::size_t maxDocumentBytes) {
  common::JsonLimits limits;
  limits.maxBytes = maxDocumentBytes * 4 / 3 + 4096;
  limits.maxDepth = 2;
  auto json = common::parseJsonStrict(text, limits);
  if (!json) return json.error();
  const common::JsonValue& root = json.value();
  if (root.kind != common::JsonKind::kObject)
    return common::makeError("expected an object, found " + common::describeJson(root), "/");
  static const char* const kKeys[] = {"envelope", "algorithm", "key_id", "document", "signature"};
  for (const auto& member : root.members) {
    if (std::none_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return member.key == k; })) {
      return common::makeError("unknown key; expected envelope, algorithm, key_id, document, signature",
                               common::pointerAppend("", member.key));
    }
  }
  const common::JsonValue* envelope = root.find("envelope");
  if (envelope == nullptr) return common::makeError("missing required key", "/envelope");
  if (!envelope->isInteger() || envelope->text != "1") {
    return common::makeError("expected envelope format 1, found " + common::describeJson(*envelope), "/envelope");
  }
  auto algorithm = stringField(root, "algorithm");
  if (!algorithm) return algorithm.error();
  if (algorithm.value() != "Ed25519") {
    return common::makeError("expected \"Ed25519\", found " + common::jsonQuote(algorithm.value()), "/algorithm");
  }
  SignedPolicyEnvelope out;
  auto keyId = stringField(root, "key_id");
  if (!keyId) return keyId.error();
  out.keyId = std::move(keyId).value();
  if (out.keyId.size() != 16 || out.keyId.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return common::makeError("expected 16 lower-case hex digits, found " + common::jsonQuote(out.keyId), "/key_id");
  }
  auto document = stringField(root, "document");
  if (!document) return document.error();
  auto decoded = common::base64UrlDecode(document.value());
  if (!decoded) return common::makeError("expected base64url (no padding)", "/document");
  if (decoded->empty()) return common::makeError("the document is empty", "/document");
  out.document = std::move(*decoded);
  auto signature = stringField(root, "signature");
  if (!signature) return signature.error();
  const auto rawSignature = common::base64UrlDecode(signature.value());
  if (!rawSignature || rawSignature->size() != 64) {
    return common::makeError("expected a 64-byte Ed25519 signature in base64url (86 characters), found " +
                                 std::to_string(signature.value().size()) + " characters",
                             "/signature");
  }
  out.signature = std::move(signature).value();
  return out;
}

common::Result<std::string> openSignedPolicy(std::string_view envelopeText, const common::PublicKey& pinned) {
  return openSignedPolicy(envelopeText, pinned, kMaxDocumentBytes);
}

common::Result<std::string> openSignedPolicy(std::string_view envelopeText, const common::PublicKey& pinned,
                                             std::size_t maxDocumentBytes) {
  auto envelope = parseSignedPolicyEnvelope(envelopeText, maxDocumentBytes);
  if (!envelope) return envelope.error();
  if (envelope.value().keyId != pinned.keyId()) {
    return common::makeError(
        "signed with key " + envelope.value().keyId + ", but this agent trusts key " + pinned.keyId(), "/key_id");
  }
  if (auto ok = pinned.verify(envelope.value().document, envelope.value().signature); !ok) {
    return common::makeError(ok.error().message, "/signature");
  }
  return std::move(envelope).value().document;
}

}  // namespace mamori::policy
