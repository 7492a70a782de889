#pragma once
// POST /api/v1/enroll: the request body and the reading of the answer (docs/api.md). Pure
// functions; the Uploader runs them through the transport and the retry scheduler.

#include <string>

#include "common/Result.h"

namespace mamori::agent {

struct EnrollFacts {
  std::string agentId;
  std::string host;
  std::string os;
  std::string agentVersion;
  std::string group;  // "" = let the collector choose ("default")
};

std::string makeEnrollBody(const std::string& secret, const EnrollFacts& facts);

// The node key from a 200 answer; an error if the answer is not {"agent_id": <ours>, "node_key": <64 hex>}.
common::Result<std::string> parseEnrollAnswer(const std::string& body, const std::string& agentId);

// What else a 200 enroll answer says: the agent's group and the collector's policy public key (PEM)
// with its key id, which the agent pins. Fields the collector did not send stay empty.
struct EnrollPolicyInfo {
  std::string group;
  std::string publicKeyPem;
  std::string keyId;
};
EnrollPolicyInfo parseEnrollPolicyInfo(const std::string& body);

// The secret from the file's text: surrounding white space (a trailing newline) is not part of it.
common::Result<std::string> readEnrollSecret(const std::string& path);

}  // namespace mamori::agent
