#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <sys/stat.h>
#include <variant>
#include <vector>

#include "common/Base64Url.h"
#include "common/KeyFiles.h"
#include "policy/PolicyAcceptance.h"
#include "policy/SignedPolicy.h"
#include "tests/support/TempDir.h"

using namespace mamori::policy;
using namespace mamori::common;
namespace fs = std::filesystem;

namespace {

const SigningKey& collectorKey() {
  static const SigningKey key = SigningKey::generate().value();
  return key;
}

std::string policyText(int version, const std::string& group) {
  return R"({"schema_version": 1, "version": )" + std::to_string(version) + R"(, "name": "t", "group": ")" + group +
         R"("})";
}

std::string envelopeFor(const std::string& document, const SigningKey& key = collectorKey()) {
  return makeSignedPolicyEnvelope(key, document).value();
}

std::optional<RejectReason> rejection(const std::variant<AcceptedPolicy, PolicyRejection>& outcome) {
  if (const auto* r = std::get_if<PolicyRejection>(&outcome)) return r->reason;
  return std::nullopt;
}

}  // namespace

TEST_CASE("base64url round trip and strictness") {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)}) {
    CHECK(base64UrlDecode(base64UrlEncode(s)) == s);
  }
  CHECK(base64UrlEncode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64UrlDecode("Zm9v=").has_value());  // padding
  CHECK_FALSE(base64UrlDecode("Zm+v").has_value());   // standard alphabet
  CHECK_FALSE(base64UrlDecode("Zm9vY").has_value());  // impossible length
  CHECK_FALSE(base64UrlDecode("Zh").has_value());     // non-zero trailing bits
}

TEST_CASE("sign and verify exact bytes") {
  const auto& key = collectorKey();
  const std::string document = policyText(2, "office");
  const auto signature = key.sign(document).value();
  CHECK(signature.size() == 86);
  const PublicKey pub = key.publicKey();
  CHECK(pub.verify(document, signature).ok());

  SUBCASE("a tampered byte") {
    std::string tampered = document;
    tampered[tampered.find('2')] = '3';
    CHECK_FALSE(pub.verify(tampered, signature).ok());
  }
  SUBCASE("a different key") {
    const auto other = SigningKey::generate().value();
    CHECK_FALSE(other.publicKey().verify(document, signature).ok());
    CHECK(other.keyId() != key.keyId());
  }
  SUBCASE("a truncated or garbled signature") {
    const auto truncated = pub.verify(document, signature.substr(0, 80));
    REQUIRE_FALSE(truncated.ok());
    CHECK(truncated.error().message.find("expected a 64-byte Ed25519 signature") != std::string::npos);
    CHECK_FALSE(pub.verify(document, signature.substr(0, 85)).ok());
    CHECK_FALSE(pub.verify(document, "!" + signature.substr(1)).ok());
  }
}

TEST_CASE("PEM round trip keeps the key id; other key types are refused") {
  const auto& key = collectorKey();
  const auto reloaded = SigningKey::fromPem(key.privatePem());
  REQUIRE(reloaded.ok());
  CHECK(reloaded.value().keyId() == key.keyId());
  const auto pub = PublicKey::fromPem(key.publicKey().pem());
  REQUIRE(pub.ok());
  CHECK(pub.value().keyId() == key.keyId());
  CHECK(key.publicKey().pem().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);

  // An EC P-256 public key (from `openssl ecparam -genkey | openssl ec -pubout`).
  const char* kEcPem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
      "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
      "-----END PUBLIC KEY-----\n";
  const auto ec = PublicKey::fromPem(kEcPem);
  REQUIRE_FALSE(ec.ok());
  CHECK(ec.error().message.find("expected an Ed25519 key") != std::string::npos);
  CHECK_FALSE(PublicKey::fromPem("not a pem").ok());
  CHECK_FALSE(SigningKey::fromPem("").ok());
}

TEST_CASE("key files: private key 0600, refused when readable by others, never overwritten") {
  const mamori::testsupport::TempDir dir("mamori-policy-test");
  const std::string priv = dir.file("policy.key");
  const std::string pub = dir.file("policy.pub");
  REQUIRE(savePrivateKey(collectorKey(), priv).ok());
  REQUIRE(savePublicKey(collectorKey().publicKey(), pub).ok());
  struct stat st {};
  REQUIRE(::stat(priv.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777U) == 0600U);
  CHECK(loadPrivateKey(priv).value().keyId() == collectorKey().keyId());
  CHECK(loadPublicKey(pub).value().keyId() == collectorKey().keyId());
  CHECK_FALSE(savePrivateKey(collectorKey(), priv).ok());

  REQUIRE(::chmod(priv.c_str(), 0644) == 0);
  const auto loose = loadPrivateKey(priv);
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.error().message.find("mode 0644") != std::string::npos);
  CHECK_FALSE(loadPublicKey(dir.file("missing.pub")).ok());
}

TEST_CASE("envelope: round trip and structural errors") {
  const std::string document = policyText(2, "office");
  const std::string text = envelopeFor(document);
  const auto parsed = parseSignedPolicyEnvelope(text);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().document == document);
  CHECK(parsed.value().keyId == collectorKey().keyId());
  CHECK(openSignedPolicy(text, collectorKey().publicKey()).value() == document);

  const auto error = [](const std::string& t) { return parseSignedPolicyEnvelope(t).error(); };
  CHECK(error("{}").where == "/envelope");
  CHECK(error(R"({"envelope": 1, "algorithm": "ES256"})").where == "/algorithm");
  CHECK(error(R"({"envelope": 2})").message.find("expected envelope format 1") != std::string::npos);
  CHECK(error(R"({"envelope": 1, "extra": 1})").where == "/extra");
  CHECK(error(R"({"envelope": 1, "algorithm": "Ed25519", "key_id": "XYZ"})").where == "/key_id");
  CHECK(error(text.substr(0, text.size() / 2)).message.find("truncated") != std::string::npos);
}

TEST_CASE("the acceptance gate") {
  const PublicKey pinned = collectorKey().publicKey();

  SUBCASE("a good policy is accepted with its hash") {
    const std::string document = policyText(5, "office");
    const auto outcome = acceptSignedPolicy(envelopeFor(document), pinned, 4, "office");
    REQUIRE(std::holds_alternative<AcceptedPolicy>(outcome));
    const auto& accepted = std::get<AcceptedPolicy>(outcome);
    CHECK(accepted.policy.version == 5);
    CHECK(accepted.document == document);
    CHECK(accepted.sha256.size() == 64);
  }
  SUBCASE("a tampered document") {
    const auto signature = collectorKey().sign(policyText(5, "office")).value();
    const std::string forged = envelopeToJson({collectorKey().keyId(), policyText(6, "office"), signature});
    CHECK(rejection(acceptSignedPolicy(forged, pinned, 4, "office")) == RejectReason::kBadSignature);
  }
  SUBCASE("signed by another key") {
    const auto attacker = SigningKey::generate().value();
    CHECK(rejection(acceptSignedPolicy(envelopeFor(policyText(5, "office"), attacker), pinned, 4, "office")) ==
          RejectReason::kUnknownKey);
    // Even when the attacker copies our key id, the signature does not verify.
    const std::string document = policyText(5, "office");
    const std::string spoofed = envelopeToJson({collectorKey().keyId(), document, attacker.sign(document).value()});
    CHECK(rejection(acceptSignedPolicy(spoofed, pinned, 4, "office")) == RejectReason::kBadSignature);
  }
  SUBCASE("rollback: equal or older versions") {
    CHECK(rejection(acceptSignedPolicy(envelopeFor(policyText(4, "office")), pinned, 4, "office")) ==
          RejectReason::kRollback);
    const auto outcome = acceptSignedPolicy(envelopeFor(policyText(1, "office")), pinned, 4, "office");
    REQUIRE(rejection(outcome) == RejectReason::kRollback);
    CHECK(std::get<PolicyRejection>(outcome).describe() ==
          "rollback: /version: version 1 is not greater than the applied version 4");
  }
  SUBCASE("another group") {
    const auto outcome = acceptSignedPolicy(envelopeFor(policyText(5, "engineering")), pinned, 4, "office");
    REQUIRE(rejection(outcome) == RejectReason::kWrongGroup);
    CHECK(std::get<PolicyRejection>(outcome).errors.at(0).message ==
          "the policy is for group \"engineering\", this agent is in group \"office\"");
  }
  SUBCASE("signed but invalid") {
    const auto outcome = acceptSignedPolicy(
        envelopeFor(R"({"schema_version": 1, "version": 5, "name": "x", "mdoe": 1})"), pinned, 4, "");
    REQUIRE(rejection(outcome) == RejectReason::kInvalidPolicy);
    CHECK(std::get<PolicyRejection>(outcome).errors.at(0).where == "/mdoe");
  }
  SUBCASE("garbage") {
    CHECK(rejection(acceptSignedPolicy("<html>503</html>", pinned, 0, "")) == RejectReason::kMalformedEnvelope);
    CHECK(rejectReasonName(RejectReason::kMalformedEnvelope) == "malformed_envelope");
  }
}
