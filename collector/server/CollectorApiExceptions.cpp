// CollectorApi: temporary device exceptions (docs/api.md). An administrator sends the challenge code
// of a blocked device; the collector answers with the response code signed by its policy key, which
// the agent verifies offline against the key it pinned at enrollment (policy/DeviceException.h).

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Log.h"
#include "policy/DeviceException.h"

namespace mamori::collector::server {

ApiResponse CollectorApi::postException(const ApiRequest& request) {
  if (!config_.policyKey) return jsonError(503, "the collector has no policy signing key", "exception");
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  std::string challenge;
  std::int64_t minutes = 0;
  try {
    Poco::JSON::Parser parser;
    const auto object = parser.parse(std::get<std::string>(body)).extract<Poco::JSON::Object::Ptr>();
    if (object.isNull()) return jsonError(400, "expected a JSON object", "");
    if (!object->has("challenge") || !object->get("challenge").isString()) {
      return jsonError(400, "expected a string", "/challenge");
    }
    challenge = object->getValue<std::string>("challenge");
    if (!object->has("minutes") || !object->get("minutes").isInteger()) {
      return jsonError(400, "expected a whole number", "/minutes");
    }
    minutes = object->getValue<std::int64_t>("minutes");
  } catch (const std::exception& e) {
    return jsonError(400, std::string("not JSON: ") + e.what(), "");
  }
  auto response = policy::signExceptionResponse(*config_.policyKey, challenge, minutes);
  if (!response) {
    return jsonError(400, response.error().message,
                     policy::isExceptionChallenge(challenge) ? "/minutes" : "/challenge");
  }
  common::log::info("exception granted: challenge " + challenge + ", " + std::to_string(minutes) + " minutes");
  ApiResponse answer;
  answer.audit.target = "challenge:" + challenge;
  answer.audit.after = std::to_string(minutes) + " minutes";
  answer.body = "{\"challenge\":" + jsonString(challenge) + ",\"minutes\":" + std::to_string(minutes) +
                ",\"response\":" + jsonString(response.value()) +
                ",\"key_id\":" + jsonString(config_.policyKey->keyId()) + "}";
  return answer;
}

}  // namespace mamori::collector::server
