#include "policy/DeviceException.h"

#include <charconv>
#include <cstdio>

#include "common/Crypto.h"

namespace mamori::policy {

namespace {

constexpr std::string_view kDomain = "mamori-exception-v1:";
constexpr std::size_t kChallengeLength = 8 + 1 + 8 + 1 + 8;

std::string signedBytes(std::string_view challenge, std::int64_t minutes) {
  return std::string(kDomain) + std::string(challenge) + ":" + std::to_string(minutes);
}

bool isLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

common::Error bad(const std::string& why) { return common::makeError(why, "exception response"); }

}  // namespace

std::string makeExceptionChallenge(std::string_view agentId, std::uint16_t vendorId, std::uint16_t productId,
                                   std::uint32_t nonce) {
  const std::string agent = common::sha256Hex(agentId).substr(0, 8);
  char text[kChallengeLength + 1];
  std::snprintf(text, sizeof text, "%s-%04x%04x-%08x", agent.c_str(), vendorId, productId, nonce);
  return text;
}

bool isExceptionChallenge(std::string_view text) {
  return text.size() == kChallengeLength && text[8] == '-' && text[17] == '-' && isLowerHex(text.substr(0, 8)) &&
         isLowerHex(text.substr(9, 8)) && isLowerHex(text.substr(18, 8));
}

common::Result<std::string> signExceptionResponse(const common::SigningKey& key, std::string_view challenge,
                                                  std::int64_t minutes) {
  if (!isExceptionChallenge(challenge)) return bad("\"" + std::string(challenge) + "\" is not a challenge code");
  if (minutes < 1 || minutes > kMaxExceptionMinutes) {
    return bad("minutes must be between 1 and " + std::to_string(kMaxExceptionMinutes));
  }
  auto signature = key.sign(signedBytes(challenge, minutes));
  if (!signature) return signature.error();
  return std::string(challenge) + "." + std::to_string(minutes) + "." + signature.value();
}

common::Result<ExceptionGrant> verifyExceptionResponse(const common::PublicKey& key, std::string_view response,
                                                       std::string_view expectedChallenge) {
  if (response.size() > 256) return bad("too long");
  const auto firstDot = response.find('.');
  const auto secondDot = firstDot == std::string_view::npos ? firstDot : response.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos) return bad("expected <challenge>.<minutes>.<signature>");
  ExceptionGrant grant;
  grant.challenge = std::string(response.substr(0, firstDot));
  const std::string_view minutes = response.substr(firstDot + 1, secondDot - firstDot - 1);
  const std::string_view signature = response.substr(secondDot + 1);
  if (!isExceptionChallenge(grant.challenge)) return bad("the challenge part is malformed");
  const auto [end, ec] = std::from_chars(minutes.data(), minutes.data() + minutes.size(), grant.minutes);
  if (ec != std::errc() || end != minutes.data() + minutes.size() || grant.minutes < 1 ||
      grant.minutes > kMaxExceptionMinutes) {
    return bad("minutes must be a whole number between 1 and " + std::to_string(kMaxExceptionMinutes));
  }
  if (grant.challenge != expectedChallenge) return bad("it answers another challenge (another device or PC)");
  if (auto valid = key.verify(signedBytes(grant.challenge, grant.minutes), signature); !valid) {
    return bad("the signature is not valid for the pinned policy key");
  }
  return grant;
}

}  // namespace mamori::policy
