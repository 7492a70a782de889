#include "agent/report/IdentityStore.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "common/EventJson.h"
#include "common/Files.h"
#include "common/Uuid7.h"

namespace mamori::agent {

namespace {
common::Result<std::string> optionalString(const Poco::JSON::Object& obj, const std::string& key,
                                           const std::string& where) {
  if (!obj.has(key)) return std::string();
  const auto v = obj.get(key);
  if (!v.isString()) return common::makeError("expected a string", where + "#/" + key);
  return v.extract<std::string>();
}
}  // namespace

std::string identityToJson(const Identity& identity) {
  Poco::JSON::Object::Ptr obj = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  obj->set("agent_id", identity.agentId);
  obj->set("collector_url", identity.collectorUrl);
  obj->set("ca_file", identity.caFile);
  obj->set("node_key", identity.nodeKey);
  obj->set("group", identity.group);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(obj, out, 2);
  out << '\n';
  return out.str();
}

common::Result<Identity> parseIdentity(std::string_view text, const std::string& where) {
  auto parsed = common::parseJson(text, where);
  if (!parsed) return parsed.error();
  const auto& root = parsed.value();
  if (root.type() != typeid(Poco::JSON::Object::Ptr)) return common::makeError("expected a JSON object", where);
  const auto obj = root.extract<Poco::JSON::Object::Ptr>();
  Identity identity;
  for (auto [key, field] : {std::pair{"agent_id", &identity.agentId},
                            std::pair{"collector_url", &identity.collectorUrl}, std::pair{"ca_file", &identity.caFile},
                            std::pair{"node_key", &identity.nodeKey}, std::pair{"group", &identity.group}}) {
    auto value = optionalString(*obj, key, where);
    if (!value) return value.error();
    *field = std::move(value).value();
  }
  if (!common::isCanonicalUuid(identity.agentId)) {
    return common::makeError("agent_id is missing or not a UUID", where + "#/agent_id");
  }
  return identity;
}

common::Result<IdentityStore> IdentityStore::load(std::string path, std::int64_t nowMs) {
  if (!common::fileExists(path)) {
    Identity identity;
    common::Uuid7Generator ids;
    identity.agentId = ids.next(nowMs);
    return IdentityStore(std::move(path), std::move(identity), true);
  }
  auto text = common::readSmallFile(path, std::size_t{64} * 1024);
  if (!text) return text.error();
  auto identity = parseIdentity(text.value(), path);
  if (!identity) return identity.error();
  return IdentityStore(std::move(path), std::move(identity).value(), false);
}

common::Status IdentityStore::save(Identity identity) {
  if (auto written = common::writeFileAtomically(path_, identityToJson(identity), 0600); !written) return written;
  identity_ = std::move(identity);
  return common::Ok{};
}

common::Status IdentityStore::setNodeKey(std::string nodeKey) {
  // Kept in memory even if the file cannot be written: this run can still report; the next start
  // enrolls again.
  identity_.nodeKey = std::move(nodeKey);
  return common::writeFileAtomically(path_, identityToJson(identity_), 0600);
}

}  // namespace mamori::agent
