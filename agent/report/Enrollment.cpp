#include "agent/report/Enrollment.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "common/EventJson.h"
#include "common/Files.h"

namespace mamori::agent {

std::string makeEnrollBody(const std::string& secret, const EnrollFacts& facts) {
  Poco::JSON::Object::Ptr obj = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  obj->set("enroll_secret", secret);
  obj->set("agent_id", facts.agentId);
  // The host name and OS name are the machine's bytes (sethostname takes any): sent as the events
  // send them (common::storableText), or the collector's strict UTF-8 check would refuse every
  // enrollment of this PC, and the console would show another name than its events carry.
  obj->set("host", common::storableText(facts.host));
  obj->set("os", common::storableText(facts.os));
  obj->set("agent_version", facts.agentVersion);
  if (!facts.group.empty()) obj->set("group", facts.group);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(obj, out);
  return out.str();
}

common::Result<std::string> parseEnrollAnswer(const std::string& body, const std::string& agentId) {
  auto parsed = common::parseJson(body, "enroll answer");
  if (!parsed) return parsed.error();
  if (parsed.value().type() != typeid(Poco::JSON::Object::Ptr)) {
    return common::makeError("expected a JSON object", "enroll answer");
  }
  const auto obj = parsed.value().extract<Poco::JSON::Object::Ptr>();
  if (!obj->has("node_key") || !obj->get("node_key").isString()) {
    return common::makeError("missing node_key", "enroll answer");
  }
  const auto key = obj->getValue<std::string>("node_key");
  bool hex = key.size() == 64;
  for (char c : key) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
  if (!hex) return common::makeError("node_key is not 64 hex digits", "enroll answer");
  if (obj->has("agent_id") && obj->get("agent_id").isString() && obj->getValue<std::string>("agent_id") != agentId) {
    return common::makeError("the collector enrolled a different agent_id", "enroll answer");
  }
  return key;
}

EnrollPolicyInfo parseEnrollPolicyInfo(const std::string& body) {
  EnrollPolicyInfo info;
  auto parsed = common::parseJson(body, "enroll answer");
  if (!parsed || parsed.value().type() != typeid(Poco::JSON::Object::Ptr)) return info;
  const auto obj = parsed.value().extract<Poco::JSON::Object::Ptr>();
  for (auto [key, field] : {std::pair{"group", &info.group}, std::pair{"policy_public_key", &info.publicKeyPem},
                            std::pair{"policy_key_id", &info.keyId}}) {
    if (obj->has(key) && obj->get(key).isString()) *field = obj->getValue<std::string>(key);
  }
  return info;
}

common::Result<std::string> readEnrollSecret(const std::string& path) {
  auto text = common::readSmallFile(path, std::size_t{64} * 1024);
  if (!text) return text.error();
  std::string secret = std::move(text).value();
  const auto first = secret.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return common::makeError("the enroll secret file is empty", path);
  const auto last = secret.find_last_not_of(" \t\r\n");
  return secret.substr(first, last - first + 1);
}

}  // namespace mamori::agent
