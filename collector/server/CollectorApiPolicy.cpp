// CollectorApi: policy distribution (docs/api.md). Administrators push a policy document for a
// group; the collector validates it with the agent's own parser, signs its exact bytes and stores
// the envelope in the database, where every collector of the fleet serves it from.

#include <Poco/JSON/Object.h>

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Log.h"
#include "common/Utf8.h"
#include "policy/PolicyParser.h"
#include "policy/SignedPolicy.h"

namespace mamori::collector::server {

namespace {

constexpr std::size_t kMaxGroupBytes = 128;
constexpr std::string_view kAgentsPrefix = "/api/v1/agents/";
constexpr std::string_view kGroupSuffix = "/group";

std::string policySummary(const store::GroupPolicy& policy) {
  return "\"group\":" + jsonString(policy.group) + ",\"version\":" + std::to_string(policy.version) +
         ",\"name\":" + jsonString(policy.name) + ",\"sha256\":" + jsonString(policy.sha256) +
         ",\"key_id\":" + jsonString(policy.keyId) +
         ",\"pushed_at\":" + jsonString(common::formatUtcMs(policy.pushedMs));
}

// The one query parameter "group", validated; or the 400 answer.
std::variant<std::string, ApiResponse> groupParameter(const ApiRequest& request, bool required) {
  std::string group;
  bool seen = false;
  for (const auto& [key, value] : request.query) {
    if (key != "group") return jsonError(400, "unknown query parameter (expected group)", key);
    group = value;
    seen = true;
  }
  if (!seen) {
    if (required) return jsonError(400, "missing query parameter group", "group");
    return std::string();
  }
  if (auto problem = groupNameProblem(group)) return jsonError(400, *problem, "group");
  return group;
}

}  // namespace

std::optional<std::string> groupNameProblem(const std::string& name) {
  if (name.empty() || name.size() > kMaxGroupBytes || !common::isValidUtf8(name)) {
    return "expected a group name of 1 to 128 bytes of UTF-8";
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "a group name may not hold control characters";
  }
  return std::nullopt;
}

std::optional<std::string> agentGroupPathId(const std::string& path) {
  if (path.size() <= kAgentsPrefix.size() + kGroupSuffix.size() || path.rfind(kAgentsPrefix, 0) != 0 ||
      path.compare(path.size() - kGroupSuffix.size(), kGroupSuffix.size(), kGroupSuffix) != 0) {
    return std::nullopt;
  }
  std::string id = path.substr(kAgentsPrefix.size(), path.size() - kAgentsPrefix.size() - kGroupSuffix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

ApiResponse CollectorApi::getPolicy(const ApiRequest& request) {
  auto agent = authenticateAgent(request);
  if (auto* answer = std::get_if<ApiResponse>(&agent)) return *answer;
  auto group = store_.agentGroup(std::get<std::string>(agent));
  if (!group) return storageFailure(group.error());
  if (!group.value()) return jsonError(401, "unknown agent (enroll again)", "Authorization");
  auto policy = store_.groupPolicy(*group.value());
  if (!policy) return storageFailure(policy.error());
  // The group travels with the answer: an administrator may have moved the agent, and the agent
  // checks the policy's group against it (both come over the pinned TLS connection).
  // Answers to the agent's exception requests ride along (docs/admin.md "Exception requests").
  auto answers = exceptionAnswersJson(std::get<std::string>(agent));
  if (!answers) return storageFailure(answers.error());
  const std::string answersField = ",\"exception_answers\":" + answers.value();
  if (!policy.value()) {
    ApiResponse response = jsonError(404, "no policy for group " + *group.value(), "group");
    response.body = "{\"error\":" + jsonString("no policy for group " + *group.value()) +
                    ",\"where\":\"group\",\"group\":" + jsonString(*group.value()) + answersField + "}";
    return response;
  }
  ApiResponse response;
  response.body =
      "{\"group\":" + jsonString(*group.value()) + ",\"envelope\":" + policy.value()->envelope + answersField + "}";
  return response;
}

ApiResponse CollectorApi::postPolicy(const ApiRequest& request) {
  // The audit trail records the group with the version before and after (or the refusal).
  std::string target, before;
  const auto noted = [&target, &before](ApiResponse response, const std::string& after = {}) {
    response.audit.target = target;
    response.audit.before = before;
    response.audit.after = after;
    return response;
  };
  auto group = groupParameter(request, true);
  if (auto* answer = std::get_if<ApiResponse>(&group)) return *answer;
  const std::string& groupName = std::get<std::string>(group);
  target = "group:" + groupName;
  if (auto current = store_.groupPolicy(groupName); current && current.value()) {
    before = "version " + std::to_string(current.value()->version) + " sha256 " + current.value()->sha256;
  }
  if (!config_.policyKey) return noted(jsonError(503, "the collector has no policy signing key", "policy"));
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return noted(*answer);
  const std::string& document = std::get<std::string>(body);

  // The agent's own validator: what passes here passes there.
  const auto parsed = policy::parsePolicy(document);
  if (!parsed.ok()) {
    std::string errors;
    for (const auto& error : parsed.errors) {
      if (!errors.empty()) errors += ',';
      errors += "{\"where\":" + jsonString(error.where) + ",\"error\":" + jsonString(error.message) + "}";
    }
    ApiResponse response = jsonError(400, "", "");
    response.body = "{\"error\":" +
                    jsonString("the policy does not validate (" + std::to_string(parsed.errors.size()) + " errors" +
                               (parsed.moreErrors ? ", more not shown" : "") + ")") +
                    ",\"where\":" + jsonString(parsed.errors.front().where) + ",\"errors\":[" + errors + "]}";
    response.audit.detail =
        "the policy does not validate: " + parsed.errors.front().where + ": " + parsed.errors.front().message;
    return noted(std::move(response));
  }
  const policy::Policy& candidate = *parsed.policy;
  if (candidate.group != groupName) {
    return noted(jsonError(400,
                           "expected \"" + groupName + "\" (the group it is pushed to), found " +
                               (candidate.group.empty() ? std::string("no group") : "\"" + candidate.group + "\"") +
                               "; agents refuse a policy for another group",
                           "/group"));
  }
  auto envelope = policy::makeSignedPolicyEnvelope(*config_.policyKey, document);
  if (!envelope) {
    common::log::error("signing a policy: " + envelope.error().describe());
    return noted(jsonError(500, "cannot sign the policy: " + envelope.error().message, "policy"));
  }
  store::GroupPolicy stored{
      groupName,        candidate.version, candidate.name, common::sha256Hex(document), config_.policyKey->keyId(),
      envelope.value(), clock_.nowMs()};
  auto put = store_.putGroupPolicy(stored);
  if (!put) return noted(storageFailure(put.error()));
  if (!put.value().stored) {
    return noted(jsonError(409,
                           "version " + std::to_string(candidate.version) + " is not greater than group " + groupName +
                               "'s current version " + std::to_string(put.value().currentVersion) +
                               " (agents refuse it as a rollback); raise \"version\"",
                           "/version"));
  }
  common::log::info("policy \"" + candidate.name + "\" version " + std::to_string(candidate.version) +
                    " pushed to group " + groupName + " (sha256 " + stored.sha256 + ")");
  ApiResponse response;
  response.body = "{" + policySummary(stored) + "}";
  return noted(std::move(response), "version " + std::to_string(stored.version) + " sha256 " + stored.sha256);
}

ApiResponse CollectorApi::getPolicyKey(const ApiRequest& /*request*/) {
  if (!config_.policyKey) return jsonError(503, "no policy signing key is configured", "");
  const common::PublicKey publicKey = config_.policyKey->publicKey();
  ApiResponse response;
  response.body =
      "{\"key_id\":" + jsonString(publicKey.keyId()) + ",\"public_key\":" + jsonString(publicKey.pem()) + "}";
  return response;
}

ApiResponse CollectorApi::getPolicies(const ApiRequest& request) {
  auto group = groupParameter(request, false);
  if (auto* answer = std::get_if<ApiResponse>(&group)) return *answer;
  const std::string& groupName = std::get<std::string>(group);
  if (!groupName.empty()) {
    auto policy = store_.groupPolicy(groupName);
    if (!policy) return storageFailure(policy.error());
    if (!policy.value()) return jsonError(404, "no policy for group " + groupName, "group");
    auto document = policy::parseSignedPolicyEnvelope(policy.value()->envelope);
    ApiResponse response;
    response.body = "{" + policySummary(*policy.value()) +
                    ",\"document\":" + jsonString(document ? document.value().document : std::string()) + "}";
    return response;
  }
  auto policies = store_.listGroupPolicies();
  if (!policies) return storageFailure(policies.error());
  ApiResponse response;
  response.body = "{\"policies\":[";
  for (std::size_t i = 0; i < policies.value().size(); ++i) {
    if (i != 0) response.body += ',';
    response.body += "{" + policySummary(policies.value()[i]) + "}";
  }
  response.body += "]";
  if (config_.policyKey) {
    response.body += ",\"key_id\":" + jsonString(config_.policyKey->keyId());
  }
  response.body += "}";
  return response;
}

ApiResponse CollectorApi::putAgentGroup(const ApiRequest& request, const std::string& agentId) {
  ApiResponse response = changeAgentGroup(request, agentId);
  response.audit.target = "agent:" + agentId;
  return response;
}

ApiResponse CollectorApi::changeAgentGroup(const ApiRequest& request, const std::string& agentId) {
  auto body = readJsonBody(request);
  if (auto* answer = std::get_if<ApiResponse>(&body)) return *answer;
  auto parsed = common::parseJson(std::get<std::string>(body), "body");
  if (!parsed) return jsonError(400, parsed.error().message, parsed.error().where);
  if (parsed.value().type() != typeid(Poco::JSON::Object::Ptr)) return jsonError(400, "expected a JSON object", "/");
  const auto object = parsed.value().extract<Poco::JSON::Object::Ptr>();
  for (const auto& key : object->getNames()) {
    if (key != "group") return jsonError(400, "unknown field (expected group)", "/" + key);
  }
  if (!object->has("group") || !object->get("group").isString()) {
    return jsonError(400, "expected a string", "/group");
  }
  const auto group = object->getValue<std::string>("group");
  if (auto problem = groupNameProblem(group)) return jsonError(400, *problem, "/group");
  auto previous = store_.agentGroup(agentId);
  if (!previous) return storageFailure(previous.error());
  auto changed = store_.setAgentGroup(agentId, group);
  if (!changed) return storageFailure(changed.error());
  if (!changed.value()) return jsonError(404, "no such agent", agentId);
  common::log::info("agent " + agentId + " moved to group " + group);
  ApiResponse response;
  response.body = "{\"agent_id\":" + jsonString(agentId) + ",\"group\":" + jsonString(group) + "}";
  response.audit.before = previous.value().value_or("");
  response.audit.after = group;
  return response;
}

}  // namespace mamori::collector::server
