#pragma once
// Who this agent is to the collector: its agent_id (UUIDv7, made on first start), the collector it
// reports to, and the node key enrollment returned. Kept in <state>/identity.json, mode 0600 (the
// node key is a credential), rewritten atomically.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::agent {

struct Identity {
  std::string agentId;
  std::string collectorUrl;
  std::string caFile;   // "" = the system CA store
  std::string nodeKey;  // "" until enrolled
  // The agent's group: asked for at enrollment (--group), then whatever the collector says (an
  // administrator may move the agent). "" = "default".
  std::string group;
};

std::string identityToJson(const Identity& identity);
common::Result<Identity> parseIdentity(std::string_view text, const std::string& where);

class IdentityStore {
 public:
  // Loads path if it exists; otherwise makes a new identity with a fresh agent_id (saved on the
  // first save()). A file that exists but cannot be read or parsed is an error: a new id would
  // orphan the events already spooled under the old one.
  static common::Result<IdentityStore> load(std::string path, std::int64_t nowMs);

  const Identity& identity() const { return identity_; }
  bool created() const { return created_; }
  const std::string& path() const { return path_; }

  common::Status save(Identity identity);
  common::Status setNodeKey(std::string nodeKey);

 private:
  IdentityStore(std::string path, Identity identity, bool created)
      : path_(std::move(path)), identity_(std::move(identity)), created_(created) {}

  std::string path_;
  Identity identity_;
  bool created_ = false;
};

}  // namespace mamori::agent
