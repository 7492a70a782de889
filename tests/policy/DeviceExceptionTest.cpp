#include <doctest/doctest.h>

#include "policy/DeviceException.h"

using namespace mamori::policy;
using namespace mamori::common;

namespace {
const SigningKey& collectorKey() {
  static const SigningKey key = SigningKey::generate().value();
  return key;
}
}  // namespace

TEST_CASE("exception challenge: names the PC and the model, fixed shape") {
  const std::string challenge = makeExceptionChallenge("agent-1", 0x46f4, 0x0001, 0x9b1c22de);
  CHECK(challenge.size() == 26);
  CHECK(challenge.substr(8) == "-46f40001-9b1c22de");
  CHECK(isExceptionChallenge(challenge));
  CHECK(makeExceptionChallenge("agent-2", 0x46f4, 0x0001, 0x9b1c22de) != challenge);
  CHECK_FALSE(isExceptionChallenge("3f2a91c0-46f40001-9b1c22d"));
  CHECK_FALSE(isExceptionChallenge("3F2A91C0-46f40001-9b1c22de"));
  CHECK_FALSE(isExceptionChallenge("3f2a91c0_46f40001-9b1c22de"));
}

TEST_CASE("exception response: accepted for the challenge it answers, with the pinned key") {
  const std::string challenge = makeExceptionChallenge("agent-1", 0x46f4, 0x0001, 7);
  auto response = signExceptionResponse(collectorKey(), challenge, 30);
  REQUIRE(response.ok());
  auto grant = verifyExceptionResponse(collectorKey().publicKey(), response.value(), challenge);
  REQUIRE(grant.ok());
  CHECK(grant.value().minutes == 30);
  CHECK(exceptionExpiresAtMs(grant.value(), 1'000) == 1'000 + 30 * 60'000);
}

TEST_CASE("exception response: wrong device, forged, tampered, malformed") {
  const std::string challenge = makeExceptionChallenge("agent-1", 0x46f4, 0x0001, 7);
  const std::string response = signExceptionResponse(collectorKey(), challenge, 30).value();
  const PublicKey pinned = collectorKey().publicKey();

  // Another device (or another PC) offered another challenge.
  const std::string other = makeExceptionChallenge("agent-1", 0x0951, 0x1666, 7);
  CHECK_FALSE(verifyExceptionResponse(pinned, response, other).ok());
  // Signed by a key that is not the pinned one.
  const auto forger = SigningKey::generate().value();
  CHECK_FALSE(verifyExceptionResponse(pinned, signExceptionResponse(forger, challenge, 30).value(), challenge).ok());
  // More minutes than granted.
  std::string longer = response;
  longer.replace(challenge.size() + 1, 2, "99");
  CHECK_FALSE(verifyExceptionResponse(pinned, longer, challenge).ok());
  // Shapes.
  CHECK_FALSE(verifyExceptionResponse(pinned, "", challenge).ok());
  CHECK_FALSE(verifyExceptionResponse(pinned, challenge + ".30", challenge).ok());
  CHECK_FALSE(verifyExceptionResponse(pinned, challenge + ".0.x", challenge).ok());
  CHECK_FALSE(verifyExceptionResponse(pinned, challenge + ".-5.x", challenge).ok());
  CHECK_FALSE(verifyExceptionResponse(pinned, std::string(300, 'a'), challenge).ok());
  // The administrator's side refuses nonsense too.
  CHECK_FALSE(signExceptionResponse(collectorKey(), "not-a-challenge", 30).ok());
  CHECK_FALSE(signExceptionResponse(collectorKey(), challenge, 0).ok());
  CHECK_FALSE(signExceptionResponse(collectorKey(), challenge, kMaxExceptionMinutes + 1).ok());
}
