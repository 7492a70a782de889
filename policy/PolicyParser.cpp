#include "policy/PolicyParser.h"

#include "common/JsonParser.h"
#include "policy/BuiltinP2pSignatures.h"
#include "policy/FieldReader.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

void parseHeader(ObjectReader& reader, Policy& policy) {
  ErrorList& errors = reader.errors();
  reader.require("schema_version");  // checked by parsePolicy before anything else
  if (const common::JsonValue* v = reader.require("version")) {
    readInteger(*v, reader.pointerOf("version"), errors, policy.version, 1, (1LL << 53) - 1);
  }
  if (const common::JsonValue* v = reader.require("name"))
    readString(*v, reader.pointerOf("name"), errors, policy.name, 128);
  reader.string("group", policy.group, 128);
  reader.string("description", policy.description, 4096);
}

template <typename Settings>
void section(ObjectReader& reader, std::string_view key, Settings& out,
             void (*parse)(const common::JsonValue&, const std::string&, ErrorList&, Settings&)) {
  if (const common::JsonValue* v = reader.get(key)) parse(*v, reader.pointerOf(key), reader.errors(), out);
}

}  // namespace

std::string PolicyParseResult::describe() const {
  std::string out;
  for (const auto& error : errors) out += error.describe() + "\n";
  if (moreErrors) out += "(more errors not shown; fix these and validate again)\n";
  return out;
}

PolicyParseResult parsePolicy(std::string_view text) {
  PolicyParseResult result;
  auto json = common::parseJsonStrict(text);
  if (!json) {
    result.errors.push_back(json.error());
    return result;
  }
  const common::JsonValue& root = json.value();
  ErrorList errors;
  Policy policy;
  {
    ObjectReader reader(root, "", errors);
    if (reader.isObject()) {
      // Keys mean different things in another schema: with a version we do not know, stop here
      // rather than report a cascade of misleading errors.
      const common::JsonValue* schema = root.find("schema_version");
      if (schema != nullptr && !(schema->isInteger() && schema->text == "1")) {
        result.errors.push_back(
            common::makeError("expected schema_version 1 (the only one this version of mamori understands), found " +
                                  common::describeJson(*schema),
                              "/schema_version"));
        return result;
      }
      parseHeader(reader, policy);
      section(reader, "device_control", policy.deviceControl, parseDeviceControl);
      section(reader, "p2p_guard", policy.p2pGuard, parseP2pGuard);
      if (root.find("p2p_guard") == nullptr) policy.p2pGuard.signatureSets = builtinP2pSignatureSets();
      section(reader, "content_scan", policy.contentScan, parseContentScan);
      section(reader, "activity", policy.activity, parseActivity);
      section(reader, "reporting", policy.reporting, parseReporting);
      section(reader, "agent_limits", policy.agentLimits, parseAgentLimits);
    }
  }
  if (errors.empty()) {
    result.policy = std::move(policy);
  } else {
    result.moreErrors = errors.capped();
    result.errors = errors.take();
  }
  return result;
}

}  // namespace mamori::policy
